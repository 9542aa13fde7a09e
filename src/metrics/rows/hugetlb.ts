/** Huge page usage per page size (cAdvisor kind "hugetlb", opt-in). */
import type { HugetlbStats } from '../../cgroup/stats.js';
import type { ContainerMetricSpec } from '../spec.js';
import { v1, v2 } from './explain.js';
import { containerGauge, perItem } from './row.js';

const perPageSize = (pick: (h: HugetlbStats) => number | undefined) => (s: Parameters<ContainerMetricSpec['points']>[0]) =>
  perItem(s.cgroup?.optIn?.hugetlb, (h) => ({ pagesize: h.pageSize }), pick);

export const hugetlbRows: readonly ContainerMetricSpec[] = [
  containerGauge({
    name: 'container_hugetlb_failcnt',
    description: 'Number of hugepage usage hits limits',
    unit: '{failure}',
    // A gauge on purpose, like container_memory_failcnt: cAdvisor's counter has no _total.
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>.failcnt; v2 hugetlb.<size>.events max',
    explain: {
      formula: 'v1: hugetlb.<size>.failcnt; v2: hugetlb.<size>.events max',
      inputs: [v1('hugetlb.<size>.failcnt'), v2('hugetlb.<size>.events', 'max')],
      meaning: 'How often an allocation of huge pages of this size failed at the cgroup limit.',
    },
    points: perPageSize((h) => h.failcnt),
  }),
  containerGauge({
    name: 'container_hugetlb_usage_bytes',
    description: 'Current hugepage usage in bytes',
    unit: 'By',
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>[.rsvd].usage_in_bytes; v2 hugetlb.<size>[.rsvd].current',
    explain: {
      formula: 'v1: hugetlb.<size>[.rsvd].usage_in_bytes; v2: hugetlb.<size>[.rsvd].current',
      inputs: [v1('hugetlb.<size>.usage_in_bytes'), v2('hugetlb.<size>.current')],
      meaning: 'Huge pages of this size in use (or reserved) by the cgroup; not part of memory usage or the working set.',
    },
    points: perPageSize((h) => h.usageBytes),
  }),
  containerGauge({
    name: 'container_hugetlb_max_usage_bytes',
    description: 'Maximum hugepage usage recorded in bytes',
    unit: 'By',
    attributes: ['pagesize'],
    group: 'hugetlb',
    source: 'v1 hugetlb.<size>[.rsvd].max_usage_in_bytes (absent on v2)',
    explain: {
      formula: 'v1: hugetlb.<size>[.rsvd].max_usage_in_bytes',
      inputs: [v1('hugetlb.<size>.max_usage_in_bytes')],
      meaning: 'The highest huge page use of this size recorded since the cgroup was created (v1 only).',
    },
    points: perPageSize((h) => h.maxUsageBytes),
  }),
];
