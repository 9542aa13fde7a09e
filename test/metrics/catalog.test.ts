import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { prometheusMetricName, type PrometheusMetricKind } from '../../src/export/prometheus/name.js';
import { catalog } from '../../src/metrics/catalog.js';
import { renderMetricsDoc } from '../../src/metrics/docs.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import type { ContainerSample } from '../../src/collection/sample.js';
import { METRIC_GROUPS_DECLARED, profileOf, type MetricSpec } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

function promKind(s: MetricSpec): PrometheusMetricKind {
  return s.instrument === 'counter' ? 'monotonic-counter' : s.instrument === 'gauge' ? 'gauge' : 'non-monotonic-counter';
}

/** Issue #2's required set plus the network/fs/oom names of the CRI issue: kubelet /metrics/cadvisor names. */
const REQUIRED = [
  'container_cpu_usage_seconds_total', 'container_cpu_user_seconds_total', 'container_cpu_system_seconds_total',
  'container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_periods_total', 'container_cpu_cfs_throttled_seconds_total',
  'container_memory_usage_bytes', 'container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache',
  'container_memory_swap', 'container_memory_mapped_file', 'container_memory_failcnt', 'container_memory_max_usage_bytes',
  'container_spec_cpu_period', 'container_spec_cpu_quota', 'container_spec_cpu_shares', 'container_spec_memory_limit_bytes',
  'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total', 'container_fs_reads_total', 'container_fs_writes_total',
  'container_threads', 'container_threads_max', 'container_processes', 'container_start_time_seconds', 'container_last_seen',
  'container_pressure_cpu_waiting_seconds_total', 'container_pressure_cpu_stalled_seconds_total',
  'container_pressure_memory_waiting_seconds_total', 'container_pressure_memory_stalled_seconds_total',
  'container_pressure_io_waiting_seconds_total', 'container_pressure_io_stalled_seconds_total',
  'machine_cpu_cores', 'machine_cpu_physical_cores', 'machine_cpu_sockets', 'machine_memory_bytes', 'machine_swap_bytes',
  'container_network_receive_bytes_total', 'container_network_transmit_bytes_total',
  'container_network_receive_packets_total', 'container_network_transmit_packets_total',
  'container_network_receive_packets_dropped_total', 'container_network_transmit_packets_dropped_total',
  'container_network_receive_errors_total', 'container_network_transmit_errors_total',
  'container_fs_usage_bytes', 'container_fs_inodes_total', 'container_fs_inodes_free', 'container_oom_events_total',
  // Issue 9: the kubelet's remaining cgroup series.
  'container_cpu_cfs_burst_periods_total', 'container_cpu_cfs_burst_seconds_total', 'container_memory_kernel_usage',
  'container_spec_memory_swap_limit_bytes', 'container_spec_memory_reservation_limit_bytes', 'container_blkio_device_usage_total',
];

/** cAdvisor v0.55.1's HELP text of every metric it defines (metrics/prometheus.go, prometheus_machine.go). */
const CADVISOR_HELP: Record<string, string> = JSON.parse(readFileSync('test/fixtures/cadvisor-help/v0.55.1.json', 'utf8'));

/** The cadvisor profile's rows (and the agent's, which are in every profile): kubelet names. */
const cadvisorRows = catalog.filter((s) => profileOf(s) !== 'semconv');

describe('metric catalog', () => {
  it('holds every required cAdvisor name exactly once', () => {
    const names = catalog.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of REQUIRED) expect(names, n).toContain(n);
  });

  it.each(cadvisorRows.map((s) => [s.name, s] as const))('%s keeps its name through the collector translation', (name, spec) => {
    expect(prometheusMetricName(spec.name, spec.unit, promKind(spec))).toBe(name);
  });

  it.each(cadvisorRows.map((s) => [s.name, s] as const))('%s is well formed', (name, s) => {
    // A name cAdvisor has keeps cAdvisor's HELP word for word (a user's tooling may show or match it).
    if (name in CADVISOR_HELP) expect(s.description).toBe(CADVISOR_HELP[name]);
    else expect(s.description).toMatch(/^[A-Z].*\.$/);
    if (s.cadvisorDifference !== undefined) expect(s.cadvisorDifference).toMatch(/^\S.*\.$/);
    expect(s.unit).not.toBe('1'); // a gauge with unit "1" would gain _ratio
    expect(s.unit).toMatch(/^(s|By|\{[a-z_]+\})$/);
    expect(s.name).toMatch(/^(container|machine|podpulse)_[a-z0-9_]+$|^up$/);
    if (s.unit === 's') expect(s.name.split('_')).toContain('seconds');
    if (s.unit === 'By') expect(s.name.split('_')).toContain('bytes');
    if (s.instrument === 'counter') expect(s.name.endsWith('_total')).toBe(true);
  });

  it('returns no points, and never NaN, from an empty sample', () => {
    const empty: ContainerSample = { identity: { id: '/', name: '', image: '', container: '', pod: '', namespace: '' }, lastSeenSeconds: 5 };
    for (const s of catalog) {
      const pts = s.entity === 'container' ? s.points(empty) : s.entity === 'machine' ? s.points({}) : s.points(new SelfStats());
      for (const p of pts) {
        expect(Number.isFinite(p.value), s.name).toBe(true);
        for (const k of Object.keys(p.attributes ?? {})) expect(s.attributes, s.name).toContain(k);
      }
      if (s.entity === 'container' && s.name !== 'container_last_seen') expect(pts, s.name).toEqual([]);
      if (s.name === 'container_last_seen') expect(pts).toEqual([{ value: 5 }]);
      if (s.entity === 'machine') expect(pts, s.name).toEqual([]);
    }
  });

  it('emits CFS series only with a quota, and unlimited limits as 0 (cAdvisor convention)', () => {
    const base = { identity: { id: '/x', name: '', image: '', container: '', pod: '', namespace: '' }, lastSeenSeconds: 1 };
    const spec = (n: string) => catalog.find((s) => s.name === n) as Extract<MetricSpec, { entity: 'container' }>;
    const noQuota = { ...base, cgroup: { cpu: { periods: 5, throttledPeriods: 2 }, cpuSpec: { quotaUs: null, periodUs: 100000 }, memory: { limitBytes: null } } };
    const quota = { ...base, cgroup: { cpu: { periods: 5, throttledPeriods: 2 }, cpuSpec: { quotaUs: 50000, periodUs: 100000 } } };
    expect(spec('container_cpu_cfs_periods_total').points(noQuota)).toEqual([]);
    expect(spec('container_spec_cpu_quota').points(noQuota)).toEqual([]);
    expect(spec('container_cpu_cfs_periods_total').points(quota)).toEqual([{ value: 5 }]);
    expect(spec('container_cpu_cfs_throttled_periods_total').points(quota)).toEqual([{ value: 2 }]);
    expect(spec('container_spec_cpu_quota').points(quota)).toEqual([{ value: 50000 }]);
    expect(spec('container_spec_memory_limit_bytes').points(noQuota)).toEqual([{ value: 0 }]);
  });

  it('holds the cAdvisor HELP list it compares against (so the comparison above cannot pass on an empty file)', () => {
    expect(Object.keys(CADVISOR_HELP).length).toBeGreaterThan(100);
    expect(CADVISOR_HELP.container_memory_rss).toBe('Size of RSS in bytes.');
    // Every required kubelet name is in the list, so the HELP comparison above covers each of them.
    for (const n of REQUIRED) expect(Object.keys(CADVISOR_HELP), n).toContain(n);
  });

  it('follows cAdvisor for idle CPU, burst, memory spec and blkio device usage', () => {
    const base = { identity: { id: '/x', name: '', image: '', container: '', pod: '', namespace: '' }, lastSeenSeconds: 1 };
    const spec = (n: string) => catalog.find((s) => s.name === n) as Extract<MetricSpec, { entity: 'container' }>;
    // Idle: cAdvisor has no cpu="total" point while usage is 0; user/system are reported.
    const idle = { ...base, cgroup: { cpu: { usageSeconds: 0, userSeconds: 0, systemSeconds: 0 } } };
    expect(spec('container_cpu_usage_seconds_total').points(idle)).toEqual([]);
    expect(spec('container_cpu_user_seconds_total').points(idle)).toEqual([{ value: 0 }]);
    const busy = { ...base, cgroup: { cpu: { usageSeconds: 0.5 } } };
    expect(spec('container_cpu_usage_seconds_total').points(busy)).toEqual([{ value: 0.5, attributes: { cpu: 'total' } }]);
    // Burst: under the same quota condition as the other CFS series.
    const burst = { cpu: { burstPeriods: 3, burstSeconds: 0.02 } };
    expect(spec('container_cpu_cfs_burst_periods_total').points({ ...base, cgroup: { ...burst, cpuSpec: { quotaUs: null } } })).toEqual([]);
    expect(spec('container_cpu_cfs_burst_periods_total').points({ ...base, cgroup: { ...burst, cpuSpec: { quotaUs: 50000 } } })).toEqual([{ value: 3 }]);
    expect(spec('container_cpu_cfs_burst_seconds_total').points({ ...base, cgroup: { ...burst, cpuSpec: { quotaUs: 50000 } } })).toEqual([{ value: 0.02 }]);
    // Memory spec: all three with the memory controller, unlimited as 0; none without it.
    const mem = { ...base, cgroup: { memory: { limitBytes: 268435456, swapLimitBytes: null, reservationLimitBytes: 1048576 } } };
    expect(spec('container_spec_memory_limit_bytes').points(mem)).toEqual([{ value: 268435456 }]);
    expect(spec('container_spec_memory_swap_limit_bytes').points(mem)).toEqual([{ value: 0 }]);
    expect(spec('container_spec_memory_reservation_limit_bytes').points(mem)).toEqual([{ value: 1048576 }]);
    const noMemory = { ...base, cgroup: { memory: { usageBytes: 5 } } };
    expect(spec('container_spec_memory_swap_limit_bytes').points(noMemory)).toEqual([]);
    // A swap limit that failed to read (undefined) is not reported as unlimited.
    expect(spec('container_spec_memory_swap_limit_bytes').points({ ...base, cgroup: { memory: { limitBytes: null } } })).toEqual([]);
    // blkio: one point per device and operation, with major/minor as strings.
    const io = { ...base, cgroup: { io: [{ major: 8, minor: 0, device: '/dev/sda', opBytes: { Read: 10, Write: 20, Total: 30 } }, { major: 7, minor: 0, device: '7:0' }] } };
    expect(spec('container_blkio_device_usage_total').points(io)).toEqual([
      { value: 10, attributes: { device: '/dev/sda', major: '8', minor: '0', operation: 'Read' } },
      { value: 20, attributes: { device: '/dev/sda', major: '8', minor: '0', operation: 'Write' } },
      { value: 30, attributes: { device: '/dev/sda', major: '8', minor: '0', operation: 'Total' } },
    ]);
  });

  it('enables everything by default and honours groups and disabled names', () => {
    const all = enabledSpecs(loadConfig([], {}).config.metrics);
    // Opt-in groups (per_process, …) are off until switched on.
    expect(all).toHaveLength(cadvisorRows.filter((s) => s.enabled && METRIC_GROUPS_DECLARED[s.group].on).length);
    const some = enabledSpecs(loadConfig([], { PODPULSE_METRICS_GROUPS_NETWORK: 'false', PODPULSE_METRICS_DISABLED: 'container_last_seen' }).config.metrics);
    expect(some.some((s) => s.group === 'network')).toBe(false);
    expect(some.some((s) => s.name === 'container_last_seen')).toBe(false);
    expect(some.length).toBe(all.length - 9);
  });

  it('docs/metrics.md is generated from the catalog (run `npm run docs` after changing it)', () => {
    expect(readFileSync('docs/metrics.md', 'utf8')).toBe(renderMetricsDoc());
  });
});

describe('explain data (podpulse explain)', () => {
  // The cadvisor profile's rows; a semconv row reads the same sample values and explain shows its source text.
  const containerRows = cadvisorRows.filter((s) => s.entity === 'container');

  it.each(containerRows.map((s) => [s.name, s] as const))('%s says how it is computed and from which inputs', (_name, s) => {
    expect(s.explain, 'container rows carry explain: { formula, inputs }').toBeDefined();
    expect(s.explain?.formula.trim()).not.toBe('');
    for (const input of s.explain?.inputs ?? []) {
      // A cgroup file name (<size> = each huge page size), a /proc/<pid>/ path, or a runtime/statfs source named in words.
      expect(input.file).toMatch(/^([a-z0-9_]+\.(<size>\.)?[a-z0-9_.]+|cgroup\.procs|tasks|\/proc\/(<pid>\/)?[a-z0-9_/]+|CRI .+|statfs .+)$/);
    }
    if (s.explain?.meaning !== undefined) expect(s.explain.meaning).toMatch(/^[A-Z].*\.$/s);
  });

  it('names an input for each cgroup version where the source names both', () => {
    for (const s of containerRows) {
      if (!/\bv1\b/.test(s.source) || !/\bv2\b/.test(s.source) || /absent on v2/.test(s.source)) continue;
      const versions = new Set((s.explain?.inputs ?? []).map((i) => i.cgroup ?? 'both'));
      expect([...versions], s.name).toEqual(expect.arrayContaining(versions.has('both') ? ['both'] : ['v1', 'v2']));
    }
  });
});
