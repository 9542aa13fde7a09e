import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { renderConfigDoc } from '../../src/config/docs.js';
import { catalog } from '../../src/metrics/catalog.js';
import { enabledSpecs } from '../../src/metrics/enabled.js';
import { configError, yamlFile } from '../helpers/config-errors.js';

const names = (argv: string[], env: NodeJS.ProcessEnv = {}) => new Set(enabledSpecs(loadConfig(argv, env).config.metrics).map((s) => s.name));
const firstOf = (group: string) => catalog.find((s) => s.group === group)?.name as string;

describe('metrics.overrides', () => {
  it('switches one metric on while its group is off, and one default metric off (YAML)', () => {
    const file = yamlFile(
      ['metrics:', '  groups:', '    memory: false', '  overrides:', '    container_memory_rss: true', '    container_last_seen: false', ''].join('\n'),
    );
    const on = names(['--config', file]);
    expect(on.has('container_memory_rss')).toBe(true);
    expect(on.has('container_memory_working_set_bytes')).toBe(false); // the rest of the group stays off
    expect(on.has('container_last_seen')).toBe(false);
    expect(on.has('container_cpu_usage_seconds_total')).toBe(true); // untouched groups keep their default
  });

  it('takes name=bool lists from the environment and flags, flags winning', () => {
    const cpu = firstOf('cpu');
    const env = { PODPULSE_METRICS_OVERRIDES: `${cpu}=false, container_last_seen=FALSE` };
    const fromEnv = loadConfig([], env).config.metrics.overrides;
    expect(fromEnv).toEqual({ [cpu]: false, container_last_seen: false });
    const flagged = names(['--metrics-overrides', `${cpu}=true`], env);
    expect(flagged.has(cpu)).toBe(true);
  });

  it('an override wins over the row default, the group and metrics.disabled (enabledSpecs)', () => {
    const base = catalog.find((s) => s.entity === 'container') as (typeof catalog)[number];
    const specs = [
      { ...base, name: 'a_off_by_default', enabled: false },
      { ...base, name: 'b_in_opt_in_group', group: 'percpu' as const },
      { ...base, name: 'c_plain' },
      { ...base, name: 'd_disabled' },
    ];
    const pick = (sel: Parameters<typeof enabledSpecs>[0]) => enabledSpecs(sel, specs).map((s) => s.name);
    expect(pick({ groups: {}, disabled: ['d_disabled'] })).toEqual(['c_plain']);
    expect(pick({ groups: {}, disabled: ['d_disabled'], overrides: { a_off_by_default: true, b_in_opt_in_group: true, d_disabled: true, c_plain: false } })).toEqual([
      'a_off_by_default',
      'b_in_opt_in_group',
      'd_disabled',
    ]);
    expect(pick({ groups: { percpu: true, [base.group]: false }, disabled: [], overrides: { c_plain: true } })).toEqual(['b_in_opt_in_group', 'c_plain']);
  });

  it('an unknown metric name is one error line naming the key (and the near miss)', () => {
    const file = yamlFile('metrics:\n  overrides:\n    container_memory_rs: true\n    not_a_metric_at_all: false\n');
    const lines = configError(() => loadConfig(['--config', file], {})).split('\n');
    expect(lines).toEqual([
      'metrics.overrides.container_memory_rs: unknown metric "container_memory_rs" (did you mean container_memory_rss?); allowed: metric names listed in docs/metrics.md',
      'metrics.overrides.not_a_metric_at_all: unknown metric "not_a_metric_at_all"; allowed: metric names listed in docs/metrics.md',
    ]);
  });

  it('the metrics.<name>.enabled spelling is refused with a pointer to metrics.overrides', () => {
    const file = yamlFile('metrics:\n  container_memory_rss:\n    enabled: true\n');
    expect(configError(() => loadConfig(['--config', file], {}))).toBe(
      'metrics.container_memory_rss: unknown key; switch one metric with metrics.overrides.container_memory_rss: true or false (map under metrics.overrides)',
    );
  });

  it('a value that is no boolean names the key and the entry', () => {
    const msg = configError(() => loadConfig(['--config', yamlFile('metrics:\n  overrides:\n    container_memory_rss: yes\n')], {}));
    expect(msg).toBe('metrics.overrides: entry container_memory_rss must be true or false (was "yes"): value was {"container_memory_rss":"yes"}');
    expect(configError(() => loadConfig([], { PODPULSE_METRICS_OVERRIDES: 'container_memory_rss' }))).toMatch(
      /^metrics\.overrides: must be a map of metric name to true\/false, or "name1=true,name2=false"/,
    );
  });

  it('metrics.disabled still works, with a deprecation warning; contradicting an override is an error', () => {
    const { config, warnings } = loadConfig([], { PODPULSE_METRICS_DISABLED: 'container_last_seen' });
    expect(enabledSpecs(config.metrics).some((s) => s.name === 'container_last_seen')).toBe(false);
    expect(warnings).toEqual(['metrics.disabled is deprecated and still honoured; write metrics.overrides instead (container_last_seen: false)']);
    expect(loadConfig([], {}).warnings).toEqual([]);
    const msg = configError(() =>
      loadConfig(['--metrics-overrides', 'container_last_seen=true'], { PODPULSE_METRICS_DISABLED: 'container_last_seen' }),
    );
    expect(msg).toBe('metrics.disabled: lists "container_last_seen", which metrics.overrides.container_last_seen switches on; keep one of them');
  });

  it('is documented as one key in docs/config.md', () => {
    const doc = renderConfigDoc();
    expect(doc).toContain('| `metrics.overrides` | `--metrics-overrides` | `PODPULSE_METRICS_OVERRIDES` | `{}` |');
  });
});
