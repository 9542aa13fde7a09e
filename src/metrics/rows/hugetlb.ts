/** Huge page usage per page size (cAdvisor kind "hugetlb", opt-in). */
import type { HugetlbStats } from '../../cgroup/stats.js';
import type { ContainerMetricSpec } from '../spec.js';
import { containerGauge, perItem } from './row.js';

const perPageSize = (pick: (h: HugetlbStats) => number | undefined) => (s: Parameters<ContainerMetricSpec['points']>[0]) =>
  perItem(s.cgroup?.optIn?.hugetlb, (h) => ({ pagesize: h.pageSize }), pick);

export const hugetlbRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_hugetlb_failcnt',
    description: 'Number of hugepage usage hits limits.',
    unit: '{failure}',
    // A gauge on purpose, like container_memory_failcnt: cAdvisor's counter has no _total.
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>.failcnt; v2 hugetlb.<size>.events max',
    points: perPageSize((h) => h.failcnt),
  }),
  containerGauge({
    name: 'container_hugetlb_usage_bytes',
    description: 'Current hugepage usage in bytes.',
    unit: 'By',
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>[.rsvd].usage_in_bytes; v2 hugetlb.<size>[.rsvd].current',
    points: perPageSize((h) => h.usageBytes),
  }),
  containerGauge({
    name: 'container_hugetlb_max_usage_bytes',
    description: 'Maximum hugepage usage recorded in bytes.',
    unit: 'By',
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>[.rsvd].max_usage_in_bytes (v2 has none)',
    points: perPageSize((h) => h.maxUsageBytes),
  }),
];
