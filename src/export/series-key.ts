import type { Attributes } from '@opentelemetry/api';

/**
 * Identity of one series: instrument name plus its attribute set, independent of key order. Used both
 * when a callback observes a point and when the exporter filters points, so the two always agree.
 */
export function seriesKey(metricName: string, attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let key = metricName;
  for (const k of keys) key += '\u0000' + k + '\u0001' + String(attributes[k]);
  return key;
}
