/** Short builders for the `explain` data of catalog rows (see MetricExplain in spec.ts). */
import type { ExplainInput } from '../spec.js';

/** An input read on cgroup v1 only. */
export const v1 = (file: string, key?: string): ExplainInput => (key === undefined ? { file, cgroup: 'v1' } : { file, key, cgroup: 'v1' });
/** An input read on cgroup v2 only. */
export const v2 = (file: string, key?: string): ExplainInput => (key === undefined ? { file, cgroup: 'v2' } : { file, key, cgroup: 'v2' });
/** An input with the same file and key on both versions (or not a cgroup file). */
export const both = (file: string, key?: string): ExplainInput => (key === undefined ? { file } : { file, key });
