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
    source:
      'the earliest mtime of the cgroup directories and of cgroup.clone_children (v1) / cgroup.events (v2), never before boot (truncated to the minute), in whole seconds (as cAdvisor)',
    explain: {
      formula: 'CRI started_at, else the earliest mtime of the cgroup directories',
      inputs: [both('CRI ContainerStatus started_at')],
    },
    points: (s) => one(s.startTimeSeconds),
  }),
  containerGauge({
    name: 'container_last_seen',
    description: 'Last time a container was seen by the exporter',
    unit: '{timestamp}',
    valueType: 'double',
    group: 'lifecycle',
    source: 'the collection time',
    cadvisorDifference: 'cAdvisor gives whole seconds; podpulse the collection time to the millisecond.',
    explain: {
      formula: 'the time of this collection',
      inputs: [],
    },
    points: (s) => one(s.lastSeenSeconds),
  }),
  // --- OOM ---
  containerCounter({
    name: 'container_oom_events_total',
    description: 'Count of out of memory events observed for the container',
    unit: '{event}',
    group: 'oom_event',
    source:
      'OOM kills of the cgroup\'s own tasks: v1 memory.oom_control oom_kill, v2 memory.events.local oom_kill. A container whose main process was OOM-killed (CRI reason OOMKilled) keeps its series after its cgroup is gone, at the last count read plus that kill (not added again when the last read came after the exit), until the kubelet starts its next instance',
    cadvisorDifference:
      'cAdvisor counts /dev/kmsg OOM lines per cgroup and so usually misses the kill of a container\'s main process, whose cgroup is removed at once; podpulse reads the kernel\'s per-cgroup counter and keeps the OOM-killed container\'s series until its next instance starts. On cgroup v2 "/" has no such counter and gets no series (cAdvisor reports the kernel log\'s kills of root-cgroup tasks).',
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
    cadvisorDifference: 'Not a cAdvisor series: an addition.',
    explain: {
      formula: 'CRI annotation io.kubernetes.container.restartCount',
      inputs: [both('CRI annotation io.kubernetes.container.restartCount')],
    },
    points: (s) => one(s.restartCount),
  }),
];
