/**
 * THE metric catalog: the only place metric names, units, kinds and their sources exist.
 *
 * Profile `cadvisor`: each name is already the exact kubelet /metrics/cadvisor name and each unit is
 * chosen so that the collector's default OTel→Prometheus translation (UnderscoreEscapingWithSuffixes)
 * leaves the name unchanged: `s`/`By` only where the name already carries `seconds`/`bytes`, a `{…}`
 * annotation where cAdvisor has no unit suffix, and a gauge for cAdvisor counters without `_total`
 * (container_memory_failcnt). Instruments, config switches, docs/metrics.md and the catalog tests are
 * all derived from this table.
 *
 * Profile `semconv`: the rows of metrics/semconv/rows.ts, OpenTelemetry semantic-convention names
 * (pinned in metrics/semconv/version.ts) read from the same samples. metrics.profile picks the rows
 * (enabled.ts); agent rows are in every profile.
 */
import type { MetricSpec } from './spec.js';
import { agentRows } from './rows/agent.js';
import { cpuRows } from './rows/cpu.js';
import { cpuLoadRows } from './rows/cpu-load.js';
import { diskIoRows } from './rows/disk-io.js';
import { diskRows } from './rows/disk.js';
import { lifecycleRows } from './rows/lifecycle.js';
import { limitsRows } from './rows/limits.js';
import { machineRows } from './rows/machine.js';
import { memoryRows } from './rows/memory.js';
import { networkRows } from './rows/network.js';
import { pressureRows } from './rows/pressure.js';
import { perProcessRows } from './rows/per-process.js';
import { processRows } from './rows/process.js';
import { cpusetRows } from './rows/cpuset.js';
import { hugetlbRows } from './rows/hugetlb.js';
import { numaRows } from './rows/numa.js';
import { pressureAvgRows } from './rows/pressure-avg.js';
import { referencedRows } from './rows/referenced.js';
import { schedRows } from './rows/sched.js';
import { socketRows } from './rows/sockets.js';
import { topologyRows } from './rows/topology.js';
import { semconvRows } from './semconv/rows.js';

export const catalog: readonly MetricSpec[] = [
  ...cpuRows,
  ...cpuLoadRows,
  ...limitsRows,
  ...memoryRows,
  ...diskIoRows,
  ...diskRows,
  ...processRows,
  ...perProcessRows,
  ...lifecycleRows,
  ...pressureRows(),
  ...networkRows(),
  ...machineRows,
  ...agentRows,
  // Opt-in groups (off by default; group percpu has no rows: it changes container_cpu_usage_seconds_total).
  ...schedRows,
  ...socketRows,
  ...hugetlbRows,
  ...numaRows,
  ...cpusetRows,
  ...referencedRows,
  ...pressureAvgRows(),
  ...topologyRows,
  // Profile semconv (metrics/semconv/): OpenTelemetry semantic-convention names, identity in the Resource.
  ...semconvRows,
];
