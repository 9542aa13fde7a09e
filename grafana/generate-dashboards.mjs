/**
 * Generates grafana/dashboards/*.json: the podpulse "Containers" and "Agent health" dashboards.
 *
 *   node grafana/generate-dashboards.mjs            # rewrite grafana/dashboards/
 *   node grafana/generate-dashboards.mjs OUT_DIR    # write elsewhere (the test compares the output)
 *
 * The JSON files are the provisioned artifacts; edit this script, not the JSON, so that the selectors
 * (job="cadvisor", cluster, image!="", container!="", as in kubernetes-mixin) stay defined once.
 * test/pipeline/dashboards.test.ts checks that the checked-in JSON equals this script's output.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DS = { type: 'prometheus', uid: '${datasource}' };

function target(expr, legendFormat, extra = {}) {
  return { datasource: DS, expr, legendFormat, range: true, instant: false, refId: '', ...extra };
}
function withRefIds(targets) {
  return targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i) }));
}
function timeseries(title, description, unit, targets, opts = {}) {
  return {
    type: 'timeseries', title, description, datasource: DS,
    fieldConfig: {
      defaults: {
        unit,
        min: opts.min ?? undefined,
        max: opts.max ?? undefined,
        custom: {
          drawStyle: opts.bars ? 'bars' : 'line', fillOpacity: opts.bars ? 80 : 10, lineWidth: 1, showPoints: 'never',
          stacking: { mode: opts.stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: opts.thresholdsStyle ?? 'off' },
        },
        thresholds: opts.thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: opts.overrides ?? [],
    },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: withRefIds(targets),
    w: opts.w ?? 12, h: opts.h ?? 8,
  };
}
function stat(title, description, unit, targets, opts = {}) {
  return {
    type: 'stat', title, description, datasource: DS,
    fieldConfig: { defaults: { unit, thresholds: opts.thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] } }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' },
    targets: withRefIds(targets.map((t) => ({ ...t, instant: true, range: false }))),
    w: opts.w ?? 6, h: opts.h ?? 4,
  };
}
function table(title, description, unit, targets, opts = {}) {
  return {
    type: 'table', title, description, datasource: DS,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { showHeader: true, sortBy: opts.sortBy ?? [] },
    transformations: [{ id: 'labelsToFields', options: {} }, { id: 'organize', options: { excludeByName: { Time: true } } }],
    targets: withRefIds(targets.map((t) => ({ ...t, instant: true, range: false, format: 'table' }))),
    w: opts.w ?? 12, h: opts.h ?? 8,
  };
}
function row(title) { return { type: 'row', title, collapsed: false, panels: [], w: 24, h: 1 }; }

/** Places panels left to right in Grafana's 24-column grid; a row starts a new line. Ids are 1..n. */
function layout(items) {
  let x = 0, y = 0, rowH = 0, id = 1;
  const out = [];
  for (const it of items) {
    const { w, h, ...p } = it;
    if (x + w > 24 || p.type === 'row') { x = 0; y += rowH; rowH = 0; }
    out.push({ ...p, id: id++, gridPos: { h, w, x, y } });
    x += w; rowH = Math.max(rowH, h);
    if (p.type === 'row') { x = 0; y += h; rowH = 0; }
  }
  return out;
}

function queryVar(name, label, query, opts = {}) {
  return {
    type: 'query', name, label, datasource: DS,
    // The classic string form: every Grafana version reads it and migrates it to its current editor.
    query,
    definition: query,
    refresh: 2, sort: 1,
    multi: opts.multi ?? false, includeAll: opts.includeAll ?? false,
    ...(opts.allValue ? { allValue: opts.allValue } : {}),
    current: opts.includeAll ? { selected: true, text: ['All'], value: ['$__all'] } : {},
    hide: opts.hide ?? 0,
    options: [], regex: '', skipUrlSync: false,
    ...(opts.description ? { description: opts.description } : {}),
  };
}
const datasourceVar = { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] };
const clusterVar = queryVar('cluster', 'Cluster', 'label_values(up{job="cadvisor"}, cluster)', {
  hide: 0, description: 'Only set in multi-cluster setups (external label `cluster`); empty matches series without the label.',
});
const nodeVar = queryVar('node', 'Node', 'label_values(up{job="cadvisor", cluster="$cluster"}, instance)', { multi: true, includeAll: true, allValue: '.*' });

function dashboard(uid, title, description, tags, vars, panels) {
  return {
    uid, title, description, tags, editable: true, graphTooltip: 1, timezone: 'browser',
    time: { from: 'now-1h', to: 'now' }, refresh: '30s', schemaVersion: 39, version: 1,
    templating: { list: vars }, annotations: { list: [] }, links: [],
    panels: layout(panels),
  };
}

// ---------------------------------------------------------------- Containers
const C = 'job="cadvisor", cluster="$cluster", instance=~"$node", namespace=~"$namespace", pod=~"$pod"';
const CC = `${C}, container=~"$container", container!="", image!=""`;
const KSM = 'job="kube-state-metrics", cluster="$cluster", namespace=~"$namespace", pod=~"$pod", container=~"$container"';
const BY = 'namespace, pod, container';
const L = '{{namespace}}/{{pod}}/{{container}}';
const dashed = (re) => ({ matcher: { id: 'byRegexp', options: re }, properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }, { id: 'custom.fillOpacity', value: 0 }] });
const pct25 = { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.25 }, { color: 'red', value: 0.5 }] };
const pct90 = { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.8 }, { color: 'red', value: 0.9 }] };

const containers = dashboard('podpulse-containers', 'podpulse / Containers',
  'Per-container resource usage from podpulse (kubelet /metrics/cadvisor names, job="cadvisor"). Requests come from kube-state-metrics when it is installed; limits from the cgroup (container_spec_*).',
  ['podpulse', 'cadvisor', 'kubernetes'],
  [
    datasourceVar, clusterVar, nodeVar,
    queryVar('namespace', 'Namespace', 'label_values(container_cpu_usage_seconds_total{job="cadvisor", cluster="$cluster", instance=~"$node", image!=""}, namespace)', { multi: true, includeAll: true, allValue: '.*' }),
    queryVar('pod', 'Pod', 'label_values(container_cpu_usage_seconds_total{job="cadvisor", cluster="$cluster", instance=~"$node", namespace=~"$namespace", image!=""}, pod)', { multi: true, includeAll: true, allValue: '.*' }),
    queryVar('container', 'Container', 'label_values(container_cpu_usage_seconds_total{job="cadvisor", cluster="$cluster", instance=~"$node", namespace=~"$namespace", pod=~"$pod", container!=""}, container)', { multi: true, includeAll: true, allValue: '.*' }),
  ],
  [
    row('Overview'),
    stat('Containers', 'Containers (with an image and a name) reporting in the selection.', 'short', [target(`count(count by (${BY}) (container_last_seen{${CC}})) or vector(0)`, '')], { w: 4 }),
    stat('CPU used', 'Cores used by the selected containers.', 'short', [target(`sum(rate(container_cpu_usage_seconds_total{${CC}, cpu="total"}[$__rate_interval]))`, '')], { w: 4 }),
    stat('Memory working set', 'Working set of the selected containers (what limits and eviction act on).', 'bytes', [target(`sum(container_memory_working_set_bytes{${CC}})`, '')], { w: 4 }),
    stat('OOM kills', 'OOM kills in the selected time range.', 'short', [target(`sum(increase(container_oom_events_total{${CC}}[$__range])) or vector(0)`, '')],
      { w: 4, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } }),
    stat('Node CPUs', 'Logical CPUs of the selected nodes (machine_cpu_cores).', 'short', [target('sum(machine_cpu_cores{job="cadvisor", cluster="$cluster", instance=~"$node"})', '')], { w: 4 }),
    stat('Node memory', 'Memory of the selected nodes (machine_memory_bytes).', 'bytes', [target('sum(machine_memory_bytes{job="cadvisor", cluster="$cluster", instance=~"$node"})', '')], { w: 4 }),

    row('CPU'),
    timeseries('CPU usage vs request and limit', 'Cores used per container. Dashed: the request (kube-state-metrics, if present) and the CFS limit (container_spec_cpu_quota / container_spec_cpu_period, absent when unlimited).', 'short', [
      target(`sum by (${BY}) (rate(container_cpu_usage_seconds_total{${CC}, cpu="total"}[$__rate_interval]))`, L),
      target(`sum by (${BY}) (kube_pod_container_resource_requests{${KSM}, resource="cpu"})`, `request ${L}`),
      target(`sum by (${BY}) (container_spec_cpu_quota{${CC}} / container_spec_cpu_period{${CC}})`, `limit ${L}`),
    ], { min: 0, overrides: [dashed('^(request|limit) .*')] }),
    timeseries('CPU usage % of limit and request', 'Usage divided by the CFS limit and by the request; containers without a limit/request have no line.', 'percentunit', [
      target(`sum by (${BY}) (rate(container_cpu_usage_seconds_total{${CC}, cpu="total"}[$__rate_interval])) / sum by (${BY}) (container_spec_cpu_quota{${CC}} / container_spec_cpu_period{${CC}})`, `of limit ${L}`),
      target(`sum by (${BY}) (rate(container_cpu_usage_seconds_total{${CC}, cpu="total"}[$__rate_interval])) / sum by (${BY}) (kube_pod_container_resource_requests{${KSM}, resource="cpu"})`, `of request ${L}`),
    ], { min: 0, thresholds: pct90, thresholdsStyle: 'dashed' }),
    timeseries('CPU throttling %', 'Share of CFS periods in which the container was throttled (as kubernetes-mixin\'s CPUThrottlingHigh, which alerts above 25%).', 'percentunit', [
      target(`sum by (${BY}) (increase(container_cpu_cfs_throttled_periods_total{${CC}}[$__rate_interval])) / sum by (${BY}) (increase(container_cpu_cfs_periods_total{${CC}}[$__rate_interval]))`, L),
    ], { min: 0, max: 1, thresholds: pct25, thresholdsStyle: 'dashed' }),
    timeseries('CPU throttled time', 'Seconds per second the container spent throttled.', 's', [
      target(`sum by (${BY}) (rate(container_cpu_cfs_throttled_seconds_total{${CC}}[$__rate_interval]))`, L),
    ], { min: 0 }),
    timeseries('CPU user vs system', 'User and kernel CPU time per container.', 'short', [
      target(`sum by (${BY}) (rate(container_cpu_user_seconds_total{${CC}}[$__rate_interval]))`, `user ${L}`),
      target(`sum by (${BY}) (rate(container_cpu_system_seconds_total{${CC}}[$__rate_interval]))`, `system ${L}`),
    ], { min: 0, w: 24 }),

    row('Memory'),
    timeseries('Memory working set vs request and limit', 'Working set (usage minus inactive file cache). Dashed: request (kube-state-metrics) and limit (container_spec_memory_limit_bytes; 0 = unlimited is hidden).', 'bytes', [
      target(`sum by (${BY}) (container_memory_working_set_bytes{${CC}})`, L),
      target(`sum by (${BY}) (kube_pod_container_resource_requests{${KSM}, resource="memory"})`, `request ${L}`),
      target(`sum by (${BY}) (container_spec_memory_limit_bytes{${CC}} > 0)`, `limit ${L}`),
    ], { min: 0, overrides: [dashed('^(request|limit) .*')] }),
    timeseries('Working set % of limit', 'The kernel OOM-kills when usage reaches the limit; the kubelet evicts on working set.', 'percentunit', [
      target(`sum by (${BY}) (container_memory_working_set_bytes{${CC}}) / sum by (${BY}) (container_spec_memory_limit_bytes{${CC}} > 0)`, L),
    ], { min: 0, thresholds: pct90, thresholdsStyle: 'dashed' }),
    timeseries('Memory breakdown: RSS, cache, swap, mapped file', 'Anonymous memory (rss), page cache (cache, includes tmpfs), swap and mapped files, summed over the selection.', 'bytes', [
      target(`sum by (${BY}) (container_memory_rss{${CC}})`, `rss ${L}`),
      target(`sum by (${BY}) (container_memory_cache{${CC}})`, `cache ${L}`),
      target(`sum by (${BY}) (container_memory_swap{${CC}})`, `swap ${L}`),
      target(`sum by (${BY}) (container_memory_mapped_file{${CC}})`, `mapped_file ${L}`),
    ], { min: 0 }),
    timeseries('OOM kills', 'Processes killed by the OOM killer, per interval.', 'short', [
      target(`sum by (${BY}) (increase(container_oom_events_total{${CC}}[$__rate_interval]))`, L),
    ], { min: 0, bars: true }),
    // podpulse counts the kernel's OOM kills per cgroup; a series often starts at its count (a child
    // killed at start, a new container id after a restart), which increase() would not see.
    table('OOM kills in the time range', 'Containers with OOM kills: the count now minus the count at the start of the range (kills of containers that appeared within the range count in full).', 'short', [
      target(`(sum by (${BY}) (container_oom_events_total{${CC}}) - sum by (${BY}) (container_oom_events_total{${CC}} offset $__range)) > 0 or (sum by (${BY}) (container_oom_events_total{${CC}}) > 0 unless sum by (${BY}) (container_oom_events_total{${CC}} offset $__range))`, ''),
    ]),
    timeseries('Memory usage and peak', 'Total usage (including all page cache) and the peak usage recorded by the cgroup.', 'bytes', [
      target(`sum by (${BY}) (container_memory_usage_bytes{${CC}})`, `usage ${L}`),
      target(`sum by (${BY}) (container_memory_max_usage_bytes{${CC}})`, `peak ${L}`),
    ], { min: 0 }),

    row('Network (per pod)'),
    timeseries('Receive bandwidth', 'Bytes received per second per pod (the pod sandbox carries the network counters, so no container filter applies).', 'Bps', [
      target(`sum by (namespace, pod) (rate(container_network_receive_bytes_total{${C}}[$__rate_interval]))`, '{{namespace}}/{{pod}}'),
    ], { min: 0 }),
    timeseries('Transmit bandwidth', 'Bytes transmitted per second per pod.', 'Bps', [
      target(`sum by (namespace, pod) (rate(container_network_transmit_bytes_total{${C}}[$__rate_interval]))`, '{{namespace}}/{{pod}}'),
    ], { min: 0 }),
    timeseries('Packets', 'Packets received and transmitted per second per pod.', 'pps', [
      target(`sum by (namespace, pod) (rate(container_network_receive_packets_total{${C}}[$__rate_interval]))`, 'rx {{namespace}}/{{pod}}'),
      target(`sum by (namespace, pod) (rate(container_network_transmit_packets_total{${C}}[$__rate_interval]))`, 'tx {{namespace}}/{{pod}}'),
    ], { min: 0 }),
    timeseries('Drops and errors', 'Dropped packets and errors per second per pod.', 'pps', [
      target(`sum by (namespace, pod) (rate(container_network_receive_packets_dropped_total{${C}}[$__rate_interval]))`, 'rx dropped {{namespace}}/{{pod}}'),
      target(`sum by (namespace, pod) (rate(container_network_transmit_packets_dropped_total{${C}}[$__rate_interval]))`, 'tx dropped {{namespace}}/{{pod}}'),
      target(`sum by (namespace, pod) (rate(container_network_receive_errors_total{${C}}[$__rate_interval]))`, 'rx errors {{namespace}}/{{pod}}'),
      target(`sum by (namespace, pod) (rate(container_network_transmit_errors_total{${C}}[$__rate_interval]))`, 'tx errors {{namespace}}/{{pod}}'),
    ], { min: 0 }),

    row('Disk I/O'),
    timeseries('Throughput per device', 'Bytes read and written per second by the selected containers, per block device.', 'Bps', [
      target(`sum by (device) (rate(container_fs_reads_bytes_total{${CC}}[$__rate_interval]))`, 'read {{device}}'),
      target(`sum by (device) (rate(container_fs_writes_bytes_total{${CC}}[$__rate_interval]))`, 'write {{device}}'),
    ], { min: 0 }),
    timeseries('IOPS per device', 'Read and write operations per second, per block device.', 'iops', [
      target(`sum by (device) (rate(container_fs_reads_total{${CC}}[$__rate_interval]))`, 'read {{device}}'),
      target(`sum by (device) (rate(container_fs_writes_total{${CC}}[$__rate_interval]))`, 'write {{device}}'),
    ], { min: 0 }),
    timeseries('Throughput per container', 'Bytes read plus written per second per container.', 'Bps', [
      target(`sum by (${BY}) (rate(container_fs_reads_bytes_total{${CC}}[$__rate_interval]))`, `read ${L}`),
      target(`sum by (${BY}) (rate(container_fs_writes_bytes_total{${CC}}[$__rate_interval]))`, `write ${L}`),
    ], { min: 0, w: 24 }),

    row('Filesystem'),
    timeseries('Writable layer usage', 'Bytes used by each container\'s writable layer, per device.', 'bytes', [
      target(`sum by (${BY}, device) (container_fs_usage_bytes{${CC}})`, `${L} {{device}}`),
    ], { min: 0 }),
    timeseries('Inodes used %', 'Share of inodes in use on the filesystem holding the container\'s writable layer.', 'percentunit', [
      target(`1 - sum by (${BY}, device) (container_fs_inodes_free{${CC}}) / sum by (${BY}, device) (container_fs_inodes_total{${CC}})`, `${L} {{device}}`),
    ], { min: 0, max: 1, thresholds: pct90, thresholdsStyle: 'dashed' }),

    row('Pressure (PSI)'),
    ...['cpu', 'memory', 'io'].map((r) => timeseries(`${r === 'io' ? 'I/O' : r === 'cpu' ? 'CPU' : 'Memory'} pressure`,
      `Share of wall time in which some (waiting) or all (stalled) non-idle tasks of the container were stalled on ${r} (cgroup v2 / unified hierarchy only).`, 'percentunit', [
        target(`sum by (${BY}) (rate(container_pressure_${r}_waiting_seconds_total{${CC}}[$__rate_interval]))`, `waiting ${L}`),
        target(`sum by (${BY}) (rate(container_pressure_${r}_stalled_seconds_total{${CC}}[$__rate_interval]))`, `stalled ${L}`),
      ], { min: 0, w: 8 })),

    row('Processes'),
    timeseries('Threads vs limit', 'Threads per container and the pids limit (0 = unlimited is hidden).', 'short', [
      target(`sum by (${BY}) (container_threads{${CC}})`, `threads ${L}`),
      target(`sum by (${BY}) (container_threads_max{${CC}} > 0)`, `max ${L}`),
      target(`sum by (${BY}) (container_processes{${CC}})`, `processes ${L}`),
    ], { min: 0, overrides: [dashed('^max .*')] }),
    table('Container start times', 'When each container\'s cgroup was created.', 'dateTimeAsIso', [
      target(`max by (${BY}, image) (container_start_time_seconds{${CC}}) * 1000`, ''),
    ]),
  ]);

// ---------------------------------------------------------------- Agent health
const A = 'job="cadvisor", cluster="$cluster", instance=~"$node"';
const agentDash = dashboard('podpulse-agent', 'podpulse / Agent health',
  'Health of the podpulse agents, from their self-metrics (podpulse_*) and the synthetic up{job="cadvisor"}.',
  ['podpulse'],
  [datasourceVar, clusterVar, nodeVar],
  [
    row('Fleet'),
    stat('Agents reporting', 'Agents whose last push is within Prometheus\' 5-minute lookback.', 'short', [target(`count(up{${A}} == 1)`, '')]),
    stat('Agents silent (last hour)', 'Agents that pushed in the last hour but not in the last 5 minutes (PodpulseDown).', 'short', [
      target(`count(max by (instance) (max_over_time(up{${A}}[1h])) unless max by (instance) (up{${A}})) or vector(0)`, ''),
    ], { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } }),
    stat('CRI reachable', 'Agents that reached the container runtime in their last cycle / all agents.', 'short', [target(`sum(podpulse_cri_up{${A}})`, 'up'), target(`count(podpulse_cri_up{${A}})`, 'of')]),
    stat('Containers watched', 'Containers collected in the last cycle, all selected agents.', 'short', [target(`sum(podpulse_containers{${A}})`, '')]),

    row('Collection'),
    timeseries('Collection duration', 'Duration of the last collection cycle per agent; it must stay well below collection.interval.', 's', [
      target(`max by (instance) (podpulse_collection_duration_seconds{${A}})`, '{{instance}}'),
    ], { min: 0 }),
    timeseries('Age of the last push', 'Seconds since the newest sample of each agent arrived: the end-to-end delay of the push path.', 's', [
      target(`time() - max by (instance) (timestamp(up{${A}}))`, '{{instance}}'),
    ], { min: 0 }),
    timeseries('Containers', 'Containers (cgroups) collected per cycle.', 'short', [
      target(`max by (instance) (podpulse_containers{${A}})`, '{{instance}}'),
    ], { min: 0 }),
    timeseries('Series per cycle', 'Data points observed per cycle: the agent\'s cardinality.', 'short', [
      target(`max by (instance) (podpulse_series{${A}})`, '{{instance}}'),
    ], { min: 0 }),

    row('Delivery'),
    timeseries('Exports by result', 'OTLP exports per second, after retries.', 'ops', [
      target(`sum by (instance, result) (rate(podpulse_exports_total{${A}}[$__rate_interval]))`, '{{instance}} {{result}}'),
    ], { min: 0 }),
    timeseries('Export failure ratio', 'Failed exports / all exports (PodpulseExportFailing alerts above 10%).', 'percentunit', [
      target(`sum by (instance) (rate(podpulse_exports_total{${A}, result="failure"}[$__rate_interval])) / sum by (instance) (rate(podpulse_exports_total{${A}}[$__rate_interval]))`, '{{instance}}'),
    ], { min: 0, max: 1, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 0.1 }] }, thresholdsStyle: 'dashed' }),
    timeseries('Export retries', 'Retries per second after retryable OTLP failures.', 'ops', [
      target(`sum by (instance) (rate(podpulse_export_retries_total{${A}}[$__rate_interval]))`, '{{instance}}'),
    ], { min: 0 }),
    timeseries('Dropped points', 'Data points given up on after retries and replay, per interval.', 'short', [
      target(`sum by (instance) (increase(podpulse_dropped_points_total{${A}}[$__rate_interval]))`, '{{instance}}'),
    ], { min: 0, bars: true }),

    row('Sources'),
    timeseries('Source errors', 'Read errors per second by source (cgroup, proc, cri).', 'ops', [
      target(`sum by (instance, source) (rate(podpulse_source_errors_total{${A}}[$__rate_interval]))`, '{{instance}} {{source}}'),
    ], { min: 0 }),
    timeseries('CRI up', '1 when the agent reached the container runtime over CRI in its last cycle.', 'short', [
      target(`max by (instance) (podpulse_cri_up{${A}})`, '{{instance}}'),
    ], { min: 0, max: 1 }),
  ]);

function clean(o) { return JSON.parse(JSON.stringify(o)); }
const outDir = process.argv[2] ?? fileURLToPath(new URL('./dashboards', import.meta.url));
writeFileSync(`${outDir}/podpulse-containers.json`, JSON.stringify(clean(containers), null, 2) + '\n');
writeFileSync(`${outDir}/podpulse-agent.json`, JSON.stringify(clean(agentDash), null, 2) + '\n');
