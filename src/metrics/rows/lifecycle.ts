/** Start time, last seen, restarts and OOM kills. */
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, containerCounter, one } from './row.js';

export const lifecycleRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_start_time_seconds',
    description: 'Start time of the container since unix epoch in seconds.',
    unit: 's',
    group: 'lifecycle',
    source: 'CRI started_at, else the earliest mtime of the cgroup directories',
    points: (s) => one(s.startTimeSeconds),
  }),
  containerGauge({
    name: 'container_last_seen',
    description: 'Last time a container was seen by the exporter, in seconds since unix epoch.',
    unit: '{timestamp}',
    valueType: 'double',
    group: 'lifecycle',
    source: 'the collection time',
    points: (s) => one(s.lastSeenSeconds),
  }),
  // --- OOM ---
  containerCounter({
    name: 'container_oom_events_total',
    description: 'Count of out of memory events observed for the container.',
    unit: '{event}',
    group: 'oom_event',
    source: 'CRI ContainerStatus reason "OOMKilled" transitions across restarts',
    points: (s) => one(s.oomEvents),
  }),
  containerGauge({
    name: 'container_restart_count',
    description: 'How many times the kubelet restarted this container, from the runtime annotation.',
    unit: '{restart}',
    group: 'lifecycle',
    source: 'CRI annotation io.kubernetes.container.restartCount',
    points: (s) => one(s.restartCount),
  }),
];
