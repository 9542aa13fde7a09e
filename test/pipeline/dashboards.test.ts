/**
 * grafana/: every dashboard query is valid PromQL (promtool checks them as the expressions of a
 * generated rule file, Grafana variables substituted), uses only metric names podpulse emits, the
 * recording rules define, or kube-state-metrics provides, and follows kubernetes-mixin's selector
 * conventions. Provisioning files point at the paths docker-compose.yml mounts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { catalog } from '../../src/metrics/catalog.js';
import { ensurePrometheusInstalled, runTool } from '../helpers/prometheus.js';
import { metricNames, selectors, substituteGrafanaVariables } from './promql.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASH_DIR = `${ROOT}grafana/dashboards/`;
const tools = ensurePrometheusInstalled();

/** Requests (and pod info) come from kube-state-metrics when it is installed; nothing else external. */
const KUBE_STATE_METRICS = new Set(['kube_pod_container_resource_requests', 'kube_pod_info']);

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string }; definition?: string }> };
}

const files = readdirSync(DASH_DIR).filter((f) => f.endsWith('.json'));
const dashboards = files.map((f) => ({ file: f, dash: JSON.parse(readFileSync(join(DASH_DIR, f), 'utf8')) as Dashboard }));

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

interface Query {
  where: string;
  expr: string;
}
function queries(): Query[] {
  const out: Query[] = [];
  for (const { file, dash } of dashboards) {
    for (const p of allPanels(dash.panels)) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${file} / ${p.title} / ${t.refId}`, expr: t.expr });
    }
    for (const v of dash.templating.list) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const m = /^label_values\(([\s\S]+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(q.trim());
      // label_values(label) without a selector is not used: it would list values from every job.
      expect(m, `${file} variable ${v.name}: ${q}`).not.toBeNull();
      out.push({ where: `${file} / variable ${v.name}`, expr: m![1]! });
    }
  }
  return out;
}

const recordedNames = readdirSync(`${ROOT}prometheus/rules`)
  .filter((f) => f.endsWith('.yml'))
  .flatMap((f) => (parseYaml(readFileSync(`${ROOT}prometheus/rules/${f}`, 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups)
  .flatMap((g) => g.rules)
  .map((r) => r.record)
  .filter((r): r is string => r !== undefined);

describe('PromQL lexing used by these tests', () => {
  test('finds metric names, not functions, keywords or label lists', () => {
    expect(metricNames('sum without (id) (x) + count by (a) (y)')).toEqual(['x', 'y']);
    expect(
      metricNames('sum by (namespace, pod) (rate(foo_total{job="x", a=~"b{1}"}[5m])) / on (a) group_left(node) topk by (a) (1, bar) or vector(0)'),
    ).toEqual(['foo_total', 'bar']);
    expect(metricNames('label_replace(up{job="cadvisor"}, "node", "$1", "instance", "(.*)") unless max_over_time(ns:rec:sum[1h])')).toEqual([
      'up',
      'ns:rec:sum',
    ]);
    expect(selectors('a{x="1"} + b')).toEqual([
      { name: 'a', matchers: 'x="1"' },
      { name: 'b', matchers: '' },
    ]);
  });

  test('substitutes Grafana variables', () => {
    expect(substituteGrafanaVariables('rate(x{a=~"$node", b="${cluster}"}[$__rate_interval]) [$__range] "$1"')).toBe(
      'rate(x{a=~".*", b=".*"}[5m]) [1h] "$1"',
    );
  });
});

describe('dashboards (static)', () => {
  test('the checked-in JSON is what grafana/generate-dashboards.mjs produces', async () => {
    const out = mkdtempSync(join(tmpdir(), 'podpulse-dash-gen-'));
    try {
      const r = await runTool(process.execPath, [`${ROOT}grafana/generate-dashboards.mjs`, out]);
      expect(r.code, r.stderr).toBe(0);
      for (const f of files) expect(readFileSync(join(out, f), 'utf8'), `${f} is stale: run node grafana/generate-dashboards.mjs`).toBe(readFileSync(join(DASH_DIR, f), 'utf8'));
      expect(readdirSync(out).sort()).toEqual([...files].sort());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('both dashboards exist with unique uids', () => {
    expect(files.sort()).toEqual(['podpulse-agent.json', 'podpulse-containers.json']);
    expect(new Set(dashboards.map((d) => d.dash.uid)).size).toBe(dashboards.length);
  });

  test('panels have unique ids, fit the 24-column grid and use the datasource variable', () => {
    for (const { file, dash } of dashboards) {
      const panels = allPanels(dash.panels);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const p of panels) {
        expect(p.gridPos.x + p.gridPos.w, `${file} ${p.title}`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.targets?.length ?? 0, `${file} ${p.title} has no query`).toBeGreaterThan(0);
        expect(p.datasource?.uid, `${file} ${p.title}`).toBe('${datasource}');
        for (const t of p.targets ?? []) expect(t.datasource?.uid, `${file} ${p.title}`).toBe('${datasource}');
      }
      const vars = dash.templating.list.map((v) => v.name);
      expect(vars, file).toEqual(expect.arrayContaining(['datasource', 'cluster', 'node']));
    }
  });

  test('the Containers dashboard covers the required topics', () => {
    const titles = allPanels(dashboards.find((d) => d.file === 'podpulse-containers.json')!.dash.panels).map((p) => p.title.toLowerCase());
    for (const topic of ['request and limit', 'throttling', 'working set', 'rss', 'oom', 'receive', 'transmit', 'per device', 'writable layer', 'pressure']) {
      expect(titles.some((t) => t.includes(topic)), topic).toBe(true);
    }
    const exprs = queries().map((q) => q.expr).join('\n');
    expect(exprs).toContain('kube_pod_container_resource_requests');
    expect(exprs).toMatch(/container_spec_cpu_quota\{[^}]*\} \/ container_spec_cpu_period/);
  });

  test('queries use only names podpulse emits, the recording rules define, or kube-state-metrics has', () => {
    const allowed = new Set([...catalog.map((m) => m.name), ...recordedNames, ...KUBE_STATE_METRICS]);
    const unknown: string[] = [];
    for (const q of queries()) for (const n of metricNames(substituteGrafanaVariables(q.expr))) if (!allowed.has(n)) unknown.push(`${q.where}: ${n}`);
    expect(unknown).toEqual([]);
  });

  test('selectors follow kubernetes-mixin conventions', () => {
    const problems: string[] = [];
    for (const q of queries()) {
      for (const s of selectors(q.expr)) {
        const m = s.matchers;
        if (KUBE_STATE_METRICS.has(s.name)) {
          if (!m.includes('job="kube-state-metrics"')) problems.push(`${q.where}: ${s.name} without job="kube-state-metrics"`);
          continue;
        }
        if (!m.includes('job="cadvisor"')) problems.push(`${q.where}: ${s.name} without job="cadvisor"`);
        if (!m.includes('cluster="$cluster"') && !q.where.endsWith('variable cluster')) problems.push(`${q.where}: ${s.name} without cluster="$cluster"`);
        // Per-container panels must drop the pod-level and sandbox cgroups like the mixin does; the
        // network counters live on the sandbox, so those select by pod only.
        if (s.name.startsWith('container_') && !s.name.startsWith('container_network_') && !q.where.includes('variable')) {
          if (!m.includes('container!=""') || !m.includes('image!=""')) problems.push(`${q.where}: ${s.name} without container!="" and image!=""`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('provisioning matches the docker-compose mounts', () => {
    const ds = parseYaml(readFileSync(`${ROOT}grafana/provisioning/datasources/prometheus.yml`, 'utf8')) as {
      datasources: Array<{ type: string; url: string; isDefault: boolean }>;
    };
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    const prov = parseYaml(readFileSync(`${ROOT}grafana/provisioning/dashboards/podpulse.yml`, 'utf8')) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    const compose = parseYaml(readFileSync(`${ROOT}docker-compose.yml`, 'utf8')) as {
      services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
    };
    const grafana = compose.services.grafana!;
    expect(grafana.volumes).toContain(`./grafana/dashboards:${prov.providers[0]!.options.path}:ro`);
    expect(grafana.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(files.map((f) => `${prov.providers[0]!.options.path}/${f}`)).toContain(home);
  });
});

describe.skipIf(!tools.ok)(tools.title('dashboard queries parse (promtool check rules)'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'podpulse-dash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every panel and variable query is valid PromQL', async () => {
    const qs = queries();
    expect(qs.length).toBeGreaterThan(50);
    const rules = qs.map((q, i) => ({ record: `dashboard:query_${i}`, expr: substituteGrafanaVariables(q.expr) }));
    const file = join(dir, 'dashboards.rules.yml');
    writeFileSync(file, stringifyYaml({ groups: [{ name: 'dashboards', rules }] }));
    const r = await runTool(tools.paths.promtool!, ['check', 'rules', file]);
    // On failure promtool names the bad rule index; map it back to the panel.
    const where = [...(r.stdout + r.stderr).matchAll(/group "dashboards", rule (\d+)/g)].map((m) => qs[Number(m[1]) - 1]?.where);
    expect(r.code, `${r.stdout}${r.stderr}\n${where.join('\n')}`).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${qs.length} rules found`);
  });

  test('a broken query is caught (the check is real)', async () => {
    const file = join(dir, 'broken.rules.yml');
    writeFileSync(file, stringifyYaml({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: substituteGrafanaVariables('sum(rate(container_cpu_usage_seconds_total[$__rate_interval])') }] }] }));
    const r = await runTool(tools.paths.promtool!, ['check', 'rules', file]);
    expect(r.code).not.toBe(0);
  });
});

/**
 * The queries compute what their titles say: selected panels evaluated by promtool over synthetic
 * series of one pod (container "app" with a 1-core limit and a 250m request, its sandbox, and the
 * pod-level cgroup that must not be counted), with the dashboard variables at their defaults.
 */
describe.skipIf(!tools.ok)(tools.title('dashboard queries compute the right values (promtool test rules)'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'podpulse-dash-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const panelExpr = (file: string, title: string, refId = 'A'): string => {
    const dash = dashboards.find((d) => d.file === file)!.dash;
    const t = allPanels(dash.panels).find((p) => p.title === title)?.targets?.find((x) => x.refId === refId);
    if (!t?.expr) throw new Error(`${file}: no panel "${title}" / ${refId}`);
    // Defaults: no cluster label (single cluster), every node, namespace, pod and container.
    return substituteGrafanaVariables(t.expr, '.*', { cluster: '' });
  };

  const base = 'job="cadvisor", instance="node-1", namespace="shop", pod="web-0"';
  const app = `${base}, container="app", image="registry/app:1.0", id="/kubepods/burstable/podu/c1", name="c1"`;
  const sandbox = `${base}, container="", image="registry.k8s.io/pause:3.9", id="/kubepods/burstable/podu/s1", name="s1"`;
  const podLevel = `${base}, container="", image="", id="/kubepods/burstable/podu", name=""`;
  const agent = 'job="cadvisor", instance="node-1"';
  const inputSeries = [
    [`container_cpu_usage_seconds_total{${app}, cpu="total"}`, '0+30x20'], // 0.5 cores
    [`container_cpu_usage_seconds_total{${podLevel}, cpu="total"}`, '0+60x20'], // excluded (image="")
    [`container_spec_cpu_quota{${app}}`, '100000x20'],
    [`container_spec_cpu_period{${app}}`, '100000x20'], // limit: 1 core
    ['kube_pod_container_resource_requests{job="kube-state-metrics", namespace="shop", pod="web-0", container="app", node="node-1", resource="cpu", unit="core"}', '0.25x20'],
    [`container_cpu_cfs_periods_total{${app}}`, '0+600x20'],
    [`container_cpu_cfs_throttled_periods_total{${app}}`, '0+60x20'], // 10% throttled
    [`container_memory_working_set_bytes{${app}}`, '268435456x20'],
    [`container_memory_working_set_bytes{${podLevel}}`, '999999999x20'], // excluded
    [`container_spec_memory_limit_bytes{${app}}`, '1073741824x20'], // 25% of the limit
    [`container_network_receive_bytes_total{${sandbox}, interface="eth0"}`, '0+6000x20'], // 100 B/s
    [`container_network_receive_bytes_total{${sandbox}, interface="eth1"}`, '0+3000x20'], // + 50 B/s
    [`container_fs_inodes_total{${app}, device="/dev/vda1"}`, '1000x20'],
    [`container_fs_inodes_free{${app}, device="/dev/vda1"}`, '750x20'],
    [`container_pressure_cpu_waiting_seconds_total{${app}}`, '0+6x20'], // 10% of the time
    [`podpulse_exports_total{${agent}, result="success"}`, '0+3x20'],
    [`podpulse_exports_total{${agent}, result="failure"}`, '0+1x20'], // 25% failing
    [`up{${agent}}`, '1x20'],
  ].map(([series, values]) => ({ series, values }));

  const cases: Array<{ file: string; title: string; refId?: string; labels: string; value: number }> = [
    { file: 'podpulse-containers.json', title: 'CPU usage vs request and limit', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.5 },
    { file: 'podpulse-containers.json', title: 'CPU usage vs request and limit', refId: 'B', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.25 },
    { file: 'podpulse-containers.json', title: 'CPU usage vs request and limit', refId: 'C', labels: '{namespace="shop", pod="web-0", container="app"}', value: 1 },
    { file: 'podpulse-containers.json', title: 'CPU usage % of limit and request', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.5 },
    { file: 'podpulse-containers.json', title: 'CPU usage % of limit and request', refId: 'B', labels: '{namespace="shop", pod="web-0", container="app"}', value: 2 },
    { file: 'podpulse-containers.json', title: 'CPU throttling %', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.1 },
    { file: 'podpulse-containers.json', title: 'CPU used', labels: '{}', value: 0.5 },
    { file: 'podpulse-containers.json', title: 'Memory working set', labels: '{}', value: 268435456 },
    { file: 'podpulse-containers.json', title: 'Working set % of limit', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.25 },
    { file: 'podpulse-containers.json', title: 'Receive bandwidth', labels: '{namespace="shop", pod="web-0"}', value: 150 },
    { file: 'podpulse-containers.json', title: 'Inodes used %', labels: '{namespace="shop", pod="web-0", container="app", device="/dev/vda1"}', value: 0.25 },
    { file: 'podpulse-containers.json', title: 'CPU pressure', labels: '{namespace="shop", pod="web-0", container="app"}', value: 0.1 },
    { file: 'podpulse-agent.json', title: 'Export failure ratio', labels: '{instance="node-1"}', value: 0.25 },
    { file: 'podpulse-agent.json', title: 'Agents reporting', labels: '{}', value: 1 },
  ];

  test('selected panels over a synthetic pod', async () => {
    const exprTests = cases.map((c) => ({ expr: panelExpr(c.file, c.title, c.refId), eval_time: '10m', exp_samples: [{ labels: c.labels, value: c.value }] }));
    // The input has no container_last_seen: the Containers stat shows 0, not "No data".
    exprTests.push({ expr: panelExpr('podpulse-containers.json', 'Containers'), eval_time: '10m', exp_samples: [{ labels: '{}', value: 0 }] });
    const file = join(dir, 'panels.test.yml');
    writeFileSync(file, stringifyYaml({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: exprTests }] }));
    const r = await runTool(tools.paths.promtool!, ['test', 'rules', file], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });
});

