import { catalog } from './catalog.js';
import { CONTAINER_IDENTITY_KEYS, MACHINE_IDENTITY_KEYS, METRIC_GROUPS_DECLARED, type MetricSpec } from './spec.js';

function identityOf(spec: MetricSpec): readonly string[] {
  if (spec.entity === 'container') return CONTAINER_IDENTITY_KEYS;
  if (spec.entity === 'machine') return MACHINE_IDENTITY_KEYS;
  return [];
}

function kindOf(spec: MetricSpec): string {
  return spec.instrument === 'counter' ? 'counter (cumulative, monotonic)' : spec.instrument;
}

/** docs/metrics.md, generated from the catalog; a test fails when the checked-in copy is stale. */
export function renderMetricsDoc(specs: readonly MetricSpec[] = catalog): string {
  const lines = [
    '# podpulse metrics',
    '',
    '<!-- Generated from src/metrics/catalog.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Profile `cadvisor` (the default): every name below is exactly what Prometheus stores after the',
    "OpenTelemetry Collector's default OTel→Prometheus translation, identical to kubelet's `/metrics/cadvisor`.",
    `Container series carry \`${CONTAINER_IDENTITY_KEYS.join('`, `')}\` (empty string when unknown);`,
    `machine series carry \`${MACHINE_IDENTITY_KEYS.join('`, `')}\`. Switch groups off with`,
    '`metrics.groups.<group>: false`, single metrics with `metrics.disabled: [name, …]`.',
    '',
  ];
  const groups = [...new Set(specs.map((s) => s.group))];
  for (const group of groups) {
    const { on, doc } = METRIC_GROUPS_DECLARED[group];
    const optIn = on ? [] : [`Off by default; switch on with \`metrics.groups.${group}: true\`. ${doc}`, ''];
    lines.push(`## Group \`${group}\``, '', ...optIn, '| Metric | Kind | Unit | Attributes | Source | Description |', '|---|---|---|---|---|---|');
    for (const s of specs.filter((x) => x.group === group)) {
      const attrs = [...identityOf(s), ...s.attributes].map((a) => `\`${a}\``).join(', ') || '–';
      lines.push(`| \`${s.name}\` | ${kindOf(s)} | \`${s.unit || ' '}\` | ${attrs} | ${s.source} | ${s.description}${s.enabled ? '' : ' (off by default)'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
