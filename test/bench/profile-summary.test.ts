/** Cutting a --cpu-prof profile per bench stage and per FULL phase, on a hand-made profile. */
import { describe, expect, it } from 'vitest';
import { areaOf, formatProfile, summarizeProfile, type CpuProfile } from '../../bench/profile-summary.js';

const node = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });
const DIST = 'file:///repo/dist';

// root → collectNow → { CycleReader.collect → openSync, record (sdk-metrics), serializeRequest → encode }, GC, idle
const profile: CpuProfile = {
  nodes: [
    node(1, '(root)', '', [2, 7, 8]),
    node(2, 'collectNow', `${DIST}/src/export/sdk/pipeline.js`, [3, 5, 6]),
    node(3, 'collect', `${DIST}/src/collection/cycle-reader.js`, [4]),
    node(4, 'openSync', 'node:fs'),
    node(5, 'record', 'file:///repo/node_modules/@opentelemetry/sdk-metrics/build/src/x.js'),
    node(6, 'serializeRequest', 'file:///repo/node_modules/@opentelemetry/otlp-transformer/build/src/y.js'),
    node(7, '(garbage collector)', ''),
    node(8, '(idle)', ''),
  ],
  startTime: 1000,
  endTime: 2000,
  // One sample per 10 µs from t=1010; the read stage is t ≤ 1050, FULL after.
  samples: [4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 6, 7, 8, 8],
  timeDeltas: Array(14).fill(10),
};

describe('CPU profile summary', () => {
  const stages = summarizeProfile(profile, [
    { stage: 'read', startUs: 1000, endUs: 1050 },
    { stage: 'full', startUs: 1051, endUs: 2000 },
  ]);

  it('cuts samples by the stage marks and leaves idle time out', () => {
    const [read, full] = stages;
    expect(read?.sampledUs).toBe(50);
    expect(read?.top[0]).toMatchObject({ frame: 'openSync node:fs:1', area: 'node internals', share: 1 });
    // 2 openSync + 3 record + 1 serializeRequest + 1 GC; the two idle samples are not CPU.
    expect(full?.sampledUs).toBe(70);
  });

  it('splits FULL into phases by the stack: read, SDK, encode, GC', () => {
    const full = stages[1]!;
    expect(full.phases).toEqual({ read: 20, sdk: 30, encode: 10, gc: 10 });
    expect(full.topByPhase?.sdk?.[0]).toMatchObject({ frame: 'record x.js:1', area: '@opentelemetry/sdk-metrics', share: 1 });
    expect(full.areas.map((a) => a.area)).toEqual(['@opentelemetry/sdk-metrics', 'node internals', '@opentelemetry/otlp-transformer', 'GC']);
    expect(formatProfile(stages, 10, 1)).toContain('phases: sdk 42.9 %, read 28.6 %, encode 14.3 %, gc 14.3 %');
  });

  it('names code areas: packages, podpulse directories, V8 pseudo-frames', () => {
    expect(areaOf(`${DIST}/src/cgroup/v1/read.js`, 'f')).toBe('podpulse src/cgroup/v1/');
    expect(areaOf(`${DIST}/src/collector.js`, 'f')).toBe('podpulse src/');
    expect(areaOf('', '(program)')).toBe('(program)');
    expect(areaOf('', 'readSync')).toBe('native (syscalls, builtins)');
  });

  it('in the agent, the live-series filter, discovery and gzip completions are phases of their own', () => {
    const agent: CpuProfile = {
      nodes: [
        node(1, '(root)', '', [2, 4, 6]),
        node(2, 'export', `${DIST}/src/export/sdk/pipeline.js`, [3]),
        node(3, '#isIn', `${DIST}/src/export/sdk/live-series.js`),
        node(4, 'walk', `${DIST}/src/discovery/raw-cgroups.js`, [5]),
        node(5, 'readSync', 'node:internal/fs/dir'),
        node(6, 'processCallback', 'node:zlib'),
      ],
      startTime: 0,
      endTime: 100,
      samples: [3, 3, 5, 6],
      timeDeltas: [10, 10, 10, 10],
    };
    const [s] = summarizeProfile(agent, [{ stage: 'agent', startUs: 0, endUs: 100 }]);
    expect(s?.phases).toEqual({ live: 20, discovery: 10, gzip: 10 });
  });
});
