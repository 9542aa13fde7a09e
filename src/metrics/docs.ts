import { catalog } from './catalog.js';
import { CONTAINER_IDENTITY_KEYS, MACHINE_IDENTITY_KEYS, METRIC_GROUPS_DECLARED, profileOf, type MetricSpec, type SemconvSubject } from './spec.js';
import { SEMCONV_VERSION } from './semconv/version.js';

const SUBJECT_RESOURCE: Record<SemconvSubject, string> = {
  container: 'container (`container.id`, `container.name`, `container.image.name`, `container.image.tags`, `k8s.container.name`, `k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name`)',
  pod: 'pod (`k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name`)',
  'pod-network': 'pod (`k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name`), from its sandbox',
  node: 'the node (the agent resource, with `k8s.node.name`)',
};

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
    '`metrics.groups.<group>: false`, and any single metric on or off with `metrics.overrides: {name: true|false}` (wins over its group).',
    'With `metrics.containerLabels` container series also carry `container_label_<label>` for each listed',
    'runtime label (`\"\"` where a container lacks it). A container keeps at most `metrics.maxSeriesPerContainer`',
    'series per cycle: its first ones in catalog order (the row order of src/metrics/catalog.ts; this page gathers them by group).',
    '',
  ];
  const cadvisor = specs.filter((s) => profileOf(s) !== 'semconv');
  const groups = [...new Set(cadvisor.map((s) => s.group))];
  for (const group of groups) {
    const { on, doc } = METRIC_GROUPS_DECLARED[group];
    const optIn = on ? [] : [`Off by default; switch on with \`metrics.groups.${group}: true\`. ${doc}`, ''];
    lines.push(`## Group \`${group}\``, '', ...optIn, '| Metric | Kind | Unit | Attributes | Source | Description |', '|---|---|---|---|---|---|');
    for (const s of cadvisor.filter((x) => x.group === group)) {
      const attrs = [...identityOf(s), ...s.attributes].map((a) => `\`${a}\``).join(', ') || '–';
      lines.push(`| \`${s.name}\` | ${kindOf(s)} | \`${s.unit || ' '}\` | ${attrs} | ${s.source} | ${s.description}${s.enabled ? '' : ' (off by default)'} |`);
    }
    lines.push('');
  }
  lines.push(...differencesSection(cadvisor));
  lines.push(...semconvSection(specs.filter((s) => profileOf(s) === 'semconv')));
  return lines.join('\n');
}

/** The rows' `cadvisorDifference` texts: what a user replacing kubelet's /metrics/cadvisor should know. */
function differencesSection(specs: readonly MetricSpec[]): string[] {
  const rows = specs.filter((s) => s.cadvisorDifference !== undefined);
  if (rows.length === 0) return [];
  return [
    "## Differences from kubelet's cAdvisor",
    '',
    'Compared with cAdvisor v0.55.1 as kubelet embeds it. Names, labels, TYPE and HELP are those of',
    '`/metrics/cadvisor` except where listed. cAdvisor reports 0 for every metric of an enabled kind whose',
    'file a cgroup lacks (a controller not enabled for it, a kernel too old for the file); podpulse reports',
    'such a 0 only where it is true (a CFS burst count on a kernel that cannot burst, the failcnt of a root',
    'without a limit, a swap limit without swap accounting) and otherwise no point. The rows below list',
    'where that, or anything else, differs in practice.',
    '',
    '| Metric | Difference |',
    '|---|---|',
    ...rows.map((s) => `| \`${s.name}\` | ${s.cadvisorDifference} |`),
    '',
  ];
}

function semconvSection(specs: readonly MetricSpec[]): string[] {
  const lines = [
    '# Profile `semconv`',
    '',
    `\`metrics.profile: semconv\` (or \`both\`, which sends these beside the names above): OpenTelemetry semantic-convention`,
    `names of semconv ${SEMCONV_VERSION}, and where it has no metric (PSI) those of the collector's kubeletstats receiver.`,
    'The identity is not on the data points: each pod and container is its own OTLP Resource (all in one export',
    'request), the node\'s metrics use the agent\'s resource. The `podpulse_*` and `up` rows above are in every',
    'profile; the other cadvisor rows and `machine_*` are not. Raw cgroups without a runtime identity (and',
    '`/kubepods`, `/system.slice`, …) have no semconv metrics. Groups and `metrics.disabled` apply as above.',
    '',
  ];
  const groups = [...new Set(specs.map((s) => s.group))];
  for (const group of groups) {
    lines.push(`## Group \`${group}\` (semconv)`, '', '| Metric | Kind | Unit | Attributes | Resource | Source | Description |', '|---|---|---|---|---|---|---|');
    for (const s of specs.filter((x) => x.group === group)) {
      const attrs = s.attributes.map((a) => `\`${a}\``).join(', ') || '–';
      const resource = s.entity === 'container' && s.subject ? SUBJECT_RESOURCE[s.subject] : '–';
      lines.push(`| \`${s.name}\` | ${kindOf(s)} | \`${s.unit}\` | ${attrs} | ${resource} | ${s.source} | ${s.description} |`);
    }
    lines.push('');
  }
  return lines;
}
