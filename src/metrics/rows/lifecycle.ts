/** Start time, last seen, restarts and OOM kills. */
import type { ContainerMetricSpec } from '../spec.js';
import { both } from './explain.js';
import { containerGauge, containerCounter, one } from './row.js';

export const lifecycleRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_start_time_seconds',
    description: 'Start time of the container since unix epoch in seconds.',
    unit: 's',
    group: 'lifecycle',
    source: 'CRI started_at, else the earliest mtime of the cgroup directories',
    explain: {
      formula: 'CRI started_at, else the earliest mtime of the cgroup directories',
      inputs: [both('CRI ContainerStatus started_at')],
    },
    points: (s) => one(s.startTimeSeconds),
  }),
  containerGauge({
    name: 'container_last_seen',
    description: 'Last time a container was seen by the exporter, in seconds since unix epoch.',
    unit: '{timestamp}',
    valueType: 'double',
    group: 'lifecycle',
    source: 'the collection time',
    explain: {
      formula: 'the time of this collection',
      inputs: [],
    },
    points: (s) => one(s.lastSeenSeconds),
  }),
  // --- OOM ---
  containerCounter({
    name: 'container_oom_events_total',
    description: 'Count of out of memory events observed for the container.',
    unit: '{event}',
    group: 'oom_event',
    source: 'CRI ContainerStatus reason "OOMKilled" transitions across restarts',
    explain: {
      formula: 'transitions to reason OOMKilled seen in CRI ContainerStatus, across restarts',
      inputs: [both('CRI ContainerStatus reason')],
      meaning: 'Counts kills of the container\'s main process by the OOM killer (the kubelet then restarts it); it can grow while working set stayed below the limit if a spike between two reads hit it.',
    },
    points: (s) => one(s.oomEvents),
  }),
  containerGauge({
    name: 'container_restart_count',
    description: 'How many times the kubelet restarted this container, from the runtime annotation.',
    unit: '{restart}',
    group: 'lifecycle',
    source: 'CRI annotation io.kubernetes.container.restartCount',
    explain: {
      formula: 'CRI annotation io.kubernetes.container.restartCount',
      inputs: [both('CRI annotation io.kubernetes.container.restartCount')],
    },
    points: (s) => one(s.restartCount),
  }),
];
