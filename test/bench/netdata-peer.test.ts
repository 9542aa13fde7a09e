/**
 * `--peer netdata` pieces that need no netdata: its private config, which charts count as a
 * collected bench cgroup, and finding the cgroups plugin's threads in a /proc tree.
 */
import { describe, expect, it } from 'vitest';
import { cgroupsThreads, collectedCgroups, netdataConfig, threadCpuNs } from '../../bench/netdata-peer.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

describe('netdata peer', () => {
  it('the config keeps everything in its own dir, runs only the cgroups plugin on the bench cgroups from v1', () => {
    const c = netdataConfig('/tmp/nd', 12345, 'podpulse-bench', 1, 1100);
    for (const d of ['config', 'cache', 'lib', 'home', 'log']) expect(c).toMatch(new RegExp(`^  ${d} = /tmp/nd/`, 'm'));
    expect(c).toContain('bind to = 127.0.0.1:12345');
    expect(c).toMatch(/^  cgroups = yes$/m);
    for (const p of ['proc', 'apps', 'go.d', 'python.d', 'ebpf', 'statsd']) expect(c).toMatch(new RegExp(`^  ${p.replace('.', '\\.')} = no$`, 'm'));
    expect(c).toContain('use unified cgroups = no');
    expect(c).toContain('max cgroups to allow = 1100');
    expect(c).toContain('enable by default cgroups matching = /podpulse-bench/* !*');
    expect(c).toMatch(/\[health\]\n  enabled = no/);
  });

  it('counts one collected cgroup per bench mem_usage chart', () => {
    const allmetrics = {
      'cgroup_podpulse-bench_c0.mem_usage': {},
      'cgroup_podpulse-bench_c0.cpu': {},
      'cgroup_podpulse-bench_c1.mem_usage': {},
      'cgroup_podpulse-bench.mem_usage': {},
      'cgroup_k8s_kubepods_x.mem_usage': {},
    };
    expect(collectedCgroups(allmetrics, 'podpulse-bench')).toEqual(['podpulse-bench_c0', 'podpulse-bench_c1']);
  });

  it('finds the PLUGIN[cgroups] threads in tid order and reads their sum_exec_runtime', () => {
    const root = writeTree({
      '42': {
        task: {
          '42': { comm: 'netdata\n', schedstat: '1 2 3\n' },
          '57': { comm: 'PLUGIN[cgroups]\n', schedstat: '900 5 6\n' },
          '9': { comm: 'PLUGIN[cgroups]\n', schedstat: '123456 7 8\n' },
          '60': { comm: 'PLUGIN[proc]\n', schedstat: '1 1 1\n' },
        },
      },
    });
    try {
      expect(cgroupsThreads(42, root)).toEqual([9, 57]);
      expect(threadCpuNs(42, 9, root)).toBe(123456);
    } finally {
      removeTree(root);
    }
  });
});
