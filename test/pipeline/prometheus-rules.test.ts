/**
 * prometheus/: the config, recording rules and alerts pass promtool's checks and their own unit
 * tests (prometheus/tests/*.yml), and every alert is covered by at least one unit test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensurePrometheusInstalled, runTool } from '../helpers/prometheus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tools = ensurePrometheusInstalled();

const ruleFiles = readdirSync(`${ROOT}prometheus/rules`)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => `prometheus/rules/${f}`);
const testFiles = readdirSync(`${ROOT}prometheus/tests`)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => `prometheus/tests/${f}`);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = ruleFiles.flatMap((f) => (parseYaml(readFileSync(`${ROOT}${f}`, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups);
const rules = groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);
const records = rules.filter((r) => r.record !== undefined);

describe.skipIf(!tools.ok)(tools.title('promtool'), () => {
  const promtool = (): string => tools.paths.promtool ?? 'promtool';

  test('promtool check config prometheus/prometheus.yml', async () => {
    const r = await runTool(promtool(), ['check', 'config', 'prometheus/prometheus.yml'], { cwd: ROOT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \S*prometheus\.yml is valid/);
  });

  test('promtool check rules prometheus/rules/*.yml', async () => {
    expect(ruleFiles.length).toBeGreaterThanOrEqual(3);
    const r = await runTool(promtool(), ['check', 'rules', ...ruleFiles], { cwd: ROOT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(ruleFiles.length);
  });

  test('promtool test rules prometheus/tests/*.yml', async () => {
    expect(testFiles.length).toBeGreaterThanOrEqual(3);
    const r = await runTool(promtool(), ['test', 'rules', ...testFiles], { cwd: ROOT, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(testFiles.length);
    expect(r.stdout + r.stderr).not.toMatch(/FAILED/);
  });
});

describe('rule files (static)', () => {
  test('the kubernetes-mixin recording rules exist under their upstream names', () => {
    expect(records.map((r) => r.record).sort()).toEqual(
      [
        'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate',
        'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m',
        'node_namespace_pod_container:container_memory_cache',
        'node_namespace_pod_container:container_memory_rss',
        'node_namespace_pod_container:container_memory_swap',
        'node_namespace_pod_container:container_memory_working_set_bytes',
      ].sort(),
    );
    for (const r of records) {
      // The mixin's selector, and the fallback that works without kube-state-metrics.
      expect(r.expr, r.record).toContain('job="cadvisor", image!=""');
      expect(r.expr, r.record).toContain('kube_pod_info{node!=""}');
      expect(r.expr, r.record).toMatch(/or ignoring \(node\)/);
      expect(r.expr, r.record).toMatch(/label_replace\([\s\S]*"node", "\$1", "instance", "\(\.\*\)"/);
    }
  });

  test('the required alerts exist with severity, summary and description', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of ['CPUThrottlingHigh', 'ContainerOOMKilled', 'PodpulseExportFailing', 'PodpulseDown', 'PodpulseAbsent']) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const a of alerts) {
      expect(['info', 'warning', 'critical'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
    }
  });

  test('CPUThrottlingHigh keeps the mixin defaults (25%, 15m, info)', () => {
    const a = alerts.find((x) => x.alert === 'CPUThrottlingHigh');
    expect(a?.for).toBe('15m');
    expect(a?.labels?.severity).toBe('info');
    expect(a?.expr).toContain('container_cpu_cfs_throttled_periods_total{container!="", job="cadvisor"}');
    expect(a?.expr).toContain('container_cpu_cfs_periods_total{job="cadvisor"}');
    expect(a?.expr).toMatch(/> \( 25 \/ 100 \)/);
  });

  test('every alert has a promtool unit test that expects it to fire', () => {
    const fired = new Set<string>();
    for (const f of testFiles) {
      const doc = parseYaml(readFileSync(`${ROOT}${f}`, 'utf8')) as {
        tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
      };
      for (const t of doc.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) fired.add(a.alertname);
    }
    expect(alerts.map((a) => a.alert).filter((n) => !fired.has(n!))).toEqual([]);
  });

  test('every recording rule is checked by a promql_expr_test', () => {
    const checked = new Set<string>();
    for (const f of testFiles) {
      const doc = parseYaml(readFileSync(`${ROOT}${f}`, 'utf8')) as { tests: Array<{ promql_expr_test?: Array<{ expr: string }> }> };
      for (const t of doc.tests) for (const e of t.promql_expr_test ?? []) checked.add(e.expr.trim());
    }
    expect(records.map((r) => r.record).filter((n) => !checked.has(n!))).toEqual([]);
  });

  test('prometheus.yml loads the rules directory and scrapes the pull endpoint as job="cadvisor"', () => {
    const cfg = parseYaml(readFileSync(`${ROOT}prometheus/prometheus.yml`, 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; metrics_path?: string; file_sd_configs?: Array<{ files: string[] }>; metric_relabel_configs?: Array<Record<string, unknown>> }>;
    };
    expect(cfg.rule_files).toEqual(['rules/*.yml']);
    const pull = cfg.scrape_configs.find((s) => s.job_name === 'cadvisor');
    expect(pull?.metrics_path).toBe('/metrics');
    expect(pull?.file_sd_configs?.[0]?.files).toEqual(['targets/*.yml']);
    // The exposition's synthetic `up` is dropped so it cannot clash with Prometheus' own.
    expect(pull?.metric_relabel_configs).toContainEqual({ source_labels: ['__name__'], regex: 'up', action: 'drop' });
  });
});
