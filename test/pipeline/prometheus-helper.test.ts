/**
 * The test helper itself: a real Prometheus from Debian's package, on an ephemeral loopback port,
 * scraping its own /metrics, loading rule files, and leaving nothing behind after stop().
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { ensurePrometheusInstalled, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const tools = ensurePrometheusInstalled();
const RULES = fileURLToPath(new URL('../../prometheus/rules/', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!tools.ok)(tools.title('startPrometheus (Debian prometheus)'), () => {
  const started: RunningPrometheus[] = [];
  afterAll(async () => {
    for (const p of started) await p.stop();
  });

  test('scrapes its own /metrics: up{job="prometheus"} == 1', async () => {
    const prom = await startPrometheus({ scrapeSelf: true });
    started.push(prom);
    expect(prom.url).toBe(`http://127.0.0.1:${prom.port}`);
    const up = await prom.waitFor('up{job="prometheus"}', { accept: (s) => s[0]?.value === 1, timeoutMs: 30_000 });
    expect(up).toHaveLength(1);
    expect(up[0]?.metric).toMatchObject({ job: 'prometheus', instance: `127.0.0.1:${prom.port}` });
    expect(up[0]?.value).toBe(1);
    // Scraped series, not only the synthetic up: Prometheus' own build info.
    const build = await prom.query('prometheus_build_info');
    expect(build.length).toBe(1);
  });

  test('loads rule files and serves them on /api/v1/rules', async () => {
    const prom = await startPrometheus({ scrapeSelf: true, ruleFiles: [`${RULES}podpulse.alerts.yml`, `${RULES}k8s-cadvisor.rules.yml`] });
    started.push(prom);
    const data = await prom.api<{ groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string }> }> }>('/api/v1/rules');
    const names = data.groups.map((g) => g.name).sort();
    expect(names).toContain('podpulse-agent');
    expect(names).toContain('k8s.rules.container_cpu_usage_seconds_total');
    const alerts = data.groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting').map((r) => r.name);
    expect(alerts).toContain('PodpulseAbsent');
    // With no podpulse pushing, absent(up{job="cadvisor"}) is true: the alert goes pending.
    const pending = await prom.waitFor('ALERTS{alertname="PodpulseAbsent"}', { timeoutMs: 30_000 });
    expect(pending[0]?.metric.alertstate).toBe('pending');
  });

  test('two instances get different ports; stop() kills the pid and removes the directory', async () => {
    const a = await startPrometheus({ scrapeSelf: true });
    const b = await startPrometheus({ scrapeSelf: true });
    started.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(alive(a.pid)).toBe(true);
    expect(existsSync(a.dir)).toBe(true);
    await a.stop();
    expect(alive(a.pid)).toBe(false);
    expect(existsSync(a.dir)).toBe(false);
    await a.stop(); // idempotent
    // b is unaffected
    const up = await b.waitFor('up{job="prometheus"}');
    expect(up[0]?.value).toBe(1);
  });

  test('query() reports PromQL errors', async () => {
    const prom = await startPrometheus({});
    started.push(prom);
    await expect(prom.query('sum(')).rejects.toThrow(/bad_data/);
  });
});
