import type { AttributeValue, Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { prometheusLabelName, prometheusMetricName, type PrometheusMetricKind } from './name.js';
import { PROMOTED_RESOURCE_KEYS } from '../../metrics/semconv/identity.js';
import { ResourceGroups } from '../sdk/resource-groups.js';

export interface PrometheusTextOptions {
  /** Emit `target_info` (the exporter's `target_info.enabled`). Default true. */
  targetInfo?: boolean;
  /** Resource attributes copied onto every series (`resource_constant_labels.included`); default the shipped config's. */
  promotedResourceAttributes?: readonly string[];
}

type PromType = 'counter' | 'gauge';
type Labels = Map<string, string>;

interface Series {
  /** Sorted by label name. */
  labels: Array<[string, string]>;
  value: number;
}

interface Family {
  type: PromType;
  help: string;
  /** Rendered label text (`{a="1"}` or ``) → series, to find duplicates. */
  series: Map<string, Series>;
}

const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';
const IDENTIFYING = new Set([SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]);

/**
 * Render one collection as Prometheus text exposition format 0.0.4, with the series the
 * OpenTelemetry Collector's prometheusremotewrite exporter would write for it (default
 * `UnderscoreEscapingWithSuffixes`, `target_info.enabled: true`, our `disable_scope_info: true`):
 *
 * - Names through prometheusMetricName; a gauge is `gauge`, a cumulative monotonic sum `counter`,
 *   a cumulative non-monotonic sum `gauge`. Delta sums and histograms are skipped: the exporter
 *   rejects delta, and we produce no histograms.
 * - Labels (pkg/translator/prometheusremotewrite createAttributes): data-point attributes, taken
 *   in key order, names through prometheusLabelName; two keys that map to one name join their
 *   distinct values with `;`. Then `job` (`service.namespace/service.name`, or `service.name`)
 *   and `instance` (`service.instance.id`) are set from the resource and REPLACE a data-point
 *   attribute of the same name, as the exporter does. A data point with an attribute key that has
 *   no valid label name (`""`, `"__"`) is dropped, as Prometheus' translator drops it.
 * - `target_info` (value 1): every resource attribute except service.name/namespace/instance.id,
 *   plus job/instance; left out when the resource has no other attribute, when neither job nor
 *   instance exists, or when there is no data point at all.
 * - Resources as OTLP export sends them (export/sdk/resource-groups.ts): in the semconv profile one
 *   per pod and container. Each series also gets the resource's `promotedResourceAttributes` (the
 *   shipped config's resource_constant_labels: container.id, k8s.pod.uid, …) and each resource its
 *   own target_info, as the exporter writes them.
 * - No `otel_scope_*` labels and no timestamps. Families sorted by name, series in Prometheus'
 *   label-set order, labels by name. A second metric that maps to an existing name with another
 *   TYPE is skipped (the format allows one TYPE per family); of two series with identical labels
 *   the first is kept.
 */
export function renderPrometheusText(resourceMetrics: ResourceMetrics, opts: PrometheusTextOptions = {}): string {
  const families = new Map<string, Family>();
  const promoted = opts.promotedResourceAttributes ?? PROMOTED_RESOURCE_KEYS;

  for (const rm of new ResourceGroups().regroup(resourceMetrics)) {
    const resourceAttrs = rm.resource.attributes;
    const constant: Attributes = {};
    let anyConstant = false;
    for (const k of promoted) {
      if (resourceAttrs[k] === undefined || resourceAttrs[k] === null) continue;
      constant[k] = resourceAttrs[k];
      anyConstant = true;
    }
    let points = 0;
    for (const scope of rm.scopeMetrics) {
      for (const metric of scope.metrics) {
        const kind = prometheusKind(metric);
        if (kind === undefined) continue;
        const name = prometheusMetricName(metric.descriptor.name, metric.descriptor.unit, kind);
        const type: PromType = kind === 'monotonic-counter' ? 'counter' : 'gauge';
        let family = families.get(name);
        if (family === undefined) {
          family = { type, help: metric.descriptor.description, series: new Map() };
          families.set(name, family);
        } else if (family.type !== type) {
          continue;
        }
        if (family.help === '') family.help = metric.descriptor.description;
        for (const dp of metric.dataPoints as ReadonlyArray<{ attributes: Attributes; value: number }>) {
          points++;
          const labels = seriesLabels(anyConstant ? { ...dp.attributes, ...constant } : dp.attributes, resourceAttrs, new Set());
          if (labels === undefined) continue;
          addSeries(family, labels, dp.value);
        }
      }
    }
    if (opts.targetInfo !== false && points > 0) addTargetInfo(families, resourceAttrs);
  }

  const lines: string[] = [];
  for (const [name, family] of [...families].sort(byKey)) {
    if (family.series.size === 0) continue;
    if (family.help !== '') lines.push(`# HELP ${name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${name} ${family.type}`);
    for (const [key, series] of [...family.series].sort((a, b) => compareLabels(a[1].labels, b[1].labels))) {
      lines.push(`${name}${key} ${formatValue(series.value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The translator's metric type, or undefined for what the exporter drops or we do not render. */
function prometheusKind(metric: MetricData): PrometheusMetricKind | undefined {
  switch (metric.dataPointType) {
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.SUM:
      if (metric.aggregationTemporality !== AggregationTemporality.CUMULATIVE) return undefined;
      return metric.isMonotonic ? 'monotonic-counter' : 'non-monotonic-counter';
    default:
      // Histograms: not produced by this agent; the exporter would add _bucket/_sum/_count series.
      return undefined;
  }
}

/** createAttributes: sanitized attribute labels, then job/instance from the resource. */
function seriesLabels(attributes: Attributes, resourceAttrs: Attributes, ignore: ReadonlySet<string>): Labels | undefined {
  const labels: Labels = new Map();
  const keys = Object.keys(attributes)
    .filter((k) => !ignore.has(k) && attributes[k] !== undefined && attributes[k] !== null)
    .sort();
  for (const key of keys) {
    let name: string;
    try {
      name = prometheusLabelName(key);
    } catch {
      return undefined;
    }
    const value = attributeString(attributes[key]);
    const existing = labels.get(name);
    if (existing === undefined) labels.set(name, value);
    else if (existing !== value) labels.set(name, `${existing};${value}`);
  }
  const serviceName = resourceAttrs[SERVICE_NAME];
  if (serviceName !== undefined && serviceName !== null) {
    const namespace = resourceAttrs[SERVICE_NAMESPACE];
    const job = attributeString(serviceName);
    labels.set('job', namespace === undefined || namespace === null ? job : `${attributeString(namespace)}/${job}`);
  }
  const instance = resourceAttrs[SERVICE_INSTANCE_ID];
  if (instance !== undefined && instance !== null) labels.set('instance', attributeString(instance));
  return labels;
}

function addTargetInfo(families: Map<string, Family>, resourceAttrs: Attributes): void {
  const others = Object.keys(resourceAttrs).filter(
    (k) => !IDENTIFYING.has(k) && resourceAttrs[k] !== undefined && resourceAttrs[k] !== null,
  );
  if (others.length === 0) return;
  const labels = seriesLabels(resourceAttrs, resourceAttrs, IDENTIFYING);
  if (labels === undefined || (!labels.has('job') && !labels.has('instance'))) return;
  let family = families.get('target_info');
  if (family === undefined) {
    family = { type: 'gauge', help: 'Target metadata', series: new Map() };
    families.set('target_info', family);
  } else if (family.type !== 'gauge') {
    return;
  }
  addSeries(family, labels, 1);
}

function addSeries(family: Family, labels: Labels, value: number): void {
  const sorted = [...labels].sort(byKey);
  const key = labelText(sorted);
  if (!family.series.has(key)) family.series.set(key, { labels: sorted, value });
}

/** pcommon Value.AsString: arrays as JSON, numbers as ECMAScript prints them. */
function attributeString(value: AttributeValue | undefined | null): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function labelText(sorted: ReadonlyArray<[string, string]>): string {
  if (sorted.length === 0) return '';
  return `{${sorted.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Prometheus' label-set order: pair by pair, name then value; a prefix sorts first. */
function compareLabels(a: ReadonlyArray<[string, string]>, b: ReadonlyArray<[string, string]>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [an, av] = a[i]!;
    const [bn, bv] = b[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

function byKey(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * Sample values: `NaN`, `+Inf`, `-Inf`, and otherwise the shortest round-trip decimal, so integers
 * below 1e21 (every realistic counter) print without an exponent.
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
