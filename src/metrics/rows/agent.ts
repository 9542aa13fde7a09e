/** The agent's own metrics (up, cycle duration, exports, errors). */
import type { AgentMetricSpec } from '../spec.js';
import { agentGauge, agentCounter, one, NONE } from './row.js';

export const agentRows: readonly AgentMetricSpec[] = [
  agentGauge({
    name: 'up',
    description: 'Always 1 while the agent runs, so dashboards built on up{job="cadvisor"} keep working.',
    unit: '{state}',
    points: () => [{ value: 1 }],
  }),
  agentGauge({
    name: 'podpulse_collection_duration_seconds',
    description: 'Duration of the last collection cycle.',
    unit: 's',
    points: (a) => one(a.lastCollectionSeconds),
  }),
  agentGauge({
    name: 'podpulse_containers',
    description: 'Number of containers (cgroups) collected in the last cycle.',
    unit: '{container}',
    points: (a) => one(a.containers),
  }),
  agentGauge({
    name: 'podpulse_series',
    description: 'Number of data points observed in the last cycle.',
    unit: '{series}',
    points: (a) => one(a.series),
  }),
  agentCounter({
    name: 'podpulse_exports_total',
    description: 'OTLP export attempts by result (after retries).',
    unit: '{export}',
    attributes: ['result'],
    points: (a) => [
      { value: a.exports.success, attributes: { result: 'success' } },
      { value: a.exports.failure, attributes: { result: 'failure' } },
    ],
  }),
  agentCounter({
    name: 'podpulse_export_retries_total',
    description: 'OTLP export retries after a retryable failure.',
    unit: '{retry}',
    points: (a) => [{ value: a.exportRetries }],
  }),
  agentCounter({
    name: 'podpulse_dropped_points_total',
    description: 'Data points that could not be delivered and were dropped.',
    unit: '{point}',
    points: (a) => [{ value: a.droppedPoints }],
  }),
  agentCounter({
    name: 'podpulse_ended_series_total',
    description: 'Series ended with an OTLP no-recorded-value marker (a Prometheus staleness marker after remote write).',
    unit: '{series}',
    points: (a) => [{ value: a.endedSeries }],
  }),
  agentCounter({
    name: 'podpulse_series_over_limit_total',
    description: 'Series left out of an export because their metric had more than metrics.maxSeriesPerMetric series (summed over cycles).',
    unit: '{series}',
    points: (a) => [{ value: a.seriesOverLimit }],
  }),
  agentCounter({
    name: 'podpulse_container_series_over_limit_total',
    description:
      'Series left out because their container had more than metrics.maxSeriesPerContainer series in a cycle (summed over cycles); a container keeps its first series in catalog order.',
    unit: '{series}',
    points: (a) => [{ value: a.containerSeriesOverLimit }],
  }),
  agentCounter({
    name: 'podpulse_collections_skipped_total',
    description:
      'Collections not exported because their callback outlived the deadline (collection.intervalMs): their values would have been the last cycle\'s under a new timestamp; the next cycle reports what it reads.',
    unit: '{collection}',
    points: (a) => [{ value: a.skippedCollections }],
  }),
  agentCounter({
    name: 'podpulse_discovery_truncations_total',
    description: 'Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups (cgroups the runtime names are always reported).',
    unit: '{round}',
    points: (a) => [{ value: a.discoveryTruncations }],
  }),
  agentCounter({
    name: 'podpulse_source_errors_total',
    description:
      'Failures while reading a source (cgroup, proc, cri), by source and stable error code (READ, PARSE, READ_NOT_REGULAR, READ_TOO_LARGE, ...; for cri the gRPC status such as UNAVAILABLE or DEADLINE_EXCEEDED); each loses only the values it would have given. Known pairs start at 0.',
    unit: '{error}',
    attributes: ['source', 'code'],
    points: (a) =>
      Object.entries(a.sourceErrors).flatMap(([source, codes]) => Object.entries(codes).map(([code, value]) => ({ value, attributes: { source, code } }))),
  }),
  agentGauge({
    name: 'container_scrape_error',
    description: '1 if there was an error while getting container metrics, 0 otherwise',
    // cAdvisor's names: with the other kubelet series, not in the semconv profile.
    profile: 'cadvisor',
    unit: '{state}',
    source:
      'the agent: 1 when the last cycle failed to read or parse some source of some container (counted in podpulse_source_errors_total; a container that vanished mid-read, a read cap or a refused /proc/<pid>/fd does not count), else 0. cAdvisor sets it when a scrape fails as a whole',
    points: (a) => (a.containerScrapeError === undefined ? NONE : [{ value: a.containerScrapeError ? 1 : 0 }]),
  }),
  agentGauge({
    name: 'machine_scrape_error',
    description: '1 if there was an error while getting machine metrics, 0 otherwise.',
    // cAdvisor's names: with the other kubelet series, not in the semconv profile.
    profile: 'cadvisor',
    unit: '{state}',
    source: 'the agent: 1 when the last read of the host facts behind machine_* failed (they are re-read every 5 minutes), else 0',
    points: (a) => (a.machineScrapeError === undefined ? NONE : [{ value: a.machineScrapeError ? 1 : 0 }]),
  }),
  agentGauge({
    name: 'podpulse_build_info',
    description: "A metric with a constant '1' value labeled by the podpulse version and revision, the Node.js version and the kernel version.",
    unit: '{info}',
    source: 'the agent: package.json version, the first line of a REVISION file beside it (else "unknown"), process.version, uname -r; like cadvisor_version_info',
    attributes: ['version', 'revision', 'node_version', 'kernel_version'],
    points: (a) => [{ value: 1, attributes: { version: a.build.version, revision: a.build.revision, node_version: a.build.nodeVersion, kernel_version: a.build.kernelVersion } }],
  }),
  agentCounter({
    name: 'podpulse_proc_reads_skipped_total',
    description:
      'Entries of /proc left unread on purpose, by reason: pids_cap, tasks_cap (collection.maxPidsPerContainer), fds_cap (collection.maxFdsPerContainer), filesystems_cap (collection.maxRootFilesystems), fd_permission (/proc/<pid>/fd refused without CAP_SYS_PTRACE). The values they feed are lower bounds, or absent.',
    unit: '{entry}',
    attributes: ['reason'],
    points: (a) => Object.entries(a.readsSkipped).map(([reason, value]) => ({ value, attributes: { reason } })),
  }),
  agentGauge({
    name: 'podpulse_cri_up',
    description: 'Whether the container runtime answered over CRI in the last cycle (1) or not (0).',
    unit: '{state}',
    points: (a) => (a.criUp === undefined ? NONE : [{ value: a.criUp ? 1 : 0 }]),
  }),
];
