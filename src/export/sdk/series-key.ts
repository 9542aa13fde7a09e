import type { Attributes } from '@opentelemetry/api';

/**
 * Identity of one series: instrument name plus its attribute values. The values are taken in the
 * object's own key order without the keys: every point of one instrument is built with the same keys
 * in the same order (identity first, then the catalog's attributes), and the SDK exports attribute
 * objects we built (from this cycle or an earlier one, same key order), so the join is unambiguous
 * and needs no sort. NUL cannot occur in a cgroup path,
 * a container id or a label value we produce.
 */
export function seriesKey(metricName: string, attributes: Attributes): string {
  let key = metricName;
  for (const k in attributes) key += '\u0000' + String(attributes[k]);
  return key;
}
