import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { COLLECTOR_CONFIG, REPO } from './collector.js';
import type { TestPods } from './pods.js';

/** The shipped collector config's batch timeout, seconds: how long a point may wait in the collector. */
export function batchTimeoutS(): number {
  const cfg = parseYaml(readFileSync(COLLECTOR_CONFIG, 'utf8')) as { processors: { batch: { timeout: string } } };
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(cfg.processors.batch.timeout);
  if (!m) throw new Error(`unexpected batch timeout ${cfg.processors.batch.timeout}`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

/** The shipped prometheus.yml's storage settings (out-of-order window), 1 s evaluation, no scrapes. */
export function prometheusConfig(): string {
  const shipped = parseYaml(readFileSync(`${REPO}prometheus/prometheus.yml`, 'utf8')) as Record<string, unknown>;
  return stringifyYaml({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, storage: shipped.storage, scrape_configs: [] });
}

/** Kernel's cumulative CPU time of a cgroup, seconds (v1 cpuacct.usage, v2 cpu.stat usage_usec). */
export function kernelCpuSeconds(pods: TestPods, cgroup: string): number {
  try {
    return Number(readFileSync(`${pods.cgroupDir('cpuacct', cgroup)}/cpuacct.usage`, 'utf8')) / 1e9;
  } catch {
    const stat = readFileSync(`${pods.cgroupDir('cpu', cgroup)}/cpu.stat`, 'utf8');
    return Number(/usage_usec (\d+)/.exec(stat)?.[1]) / 1e6;
  }
}
