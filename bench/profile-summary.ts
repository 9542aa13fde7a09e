import type { StageMark } from './protocol.js';

/**
 * Where the CPU went, from a V8 `--cpu-prof` profile of a bench worker: samples are cut per stage
 * with the worker's stage marks (both CLOCK_MONOTONIC µs), and FULL's samples are split into
 * phases by their stack (under src/collection/ = read, the OTLP request encoder = encode,
 * gzip = gzip, the rest = SDK + live filter). Self time per frame and per code area.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type Phase = 'read' | 'sdk' | 'live' | 'encode' | 'gzip' | 'gc' | 'discovery' | 'grpc';

export interface FrameShare {
  frame: string;
  area: string;
  us: number;
  share: number;
}

export interface StageProfile {
  stage: StageMark['stage'];
  sampledUs: number;
  phases: Partial<Record<Phase, number>>;
  areas: { area: string; us: number; share: number }[];
  top: FrameShare[];
  /** Top self frames per FULL phase. */
  topByPhase?: Partial<Record<Phase, FrameShare[]>>;
}

/** The code area a frame belongs to: a package, a podpulse directory, node's internals, or V8's pseudo-frames. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName.startsWith('(')) return functionName;
    return 'native (syscalls, builtins)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/dist\/(src|bench)\/(.*)\/[^/]+\.js$/.exec(url) ?? /\/dist\/(src|bench)\/()[^/]+\.js$/.exec(url);
  if (ours) return `podpulse ${ours[1]}/${ours[2] ? `${ours[2]}/` : ''}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url ? (f.url.split('/').pop() ?? f.url) : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

/**
 * The phase a frame marks for everything below it (the nearest marking ancestor wins): the read,
 * podpulse's live-series filter, the encoder, zlib, GC, and in the agent discovery (CRI, the raw
 * cgroup walk) and grpc-js. Unmarked stacks are the SDK's collection (callbacks, aggregation).
 */
function phaseOf(n: ProfileNode): Phase | undefined {
  const { functionName: fn, url } = n.callFrame;
  if (fn === '(garbage collector)') return 'gc';
  // Any collection module, not only CycleReader.collect: the read yields every few ms and resumes
  // from the microtask queue, where collect's caller is no longer on the stack.
  if (url.includes('/src/collection/')) return 'read';
  if (url.endsWith('/export/sdk/live-series.js') || url.endsWith('/export/sdk/expand-handles.js')) return 'live';
  if (fn === 'serializeRequest' || url.endsWith('/export/otlp/request-encoder.js') || url.endsWith('/export/otlp/proto-writer.js')) return 'encode';
  if (/^gzip/.test(fn) || fn === 'zlibBufferSync' || url === 'node:zlib') return 'gzip';
  if (url.includes('/src/discovery/') || url.includes('/src/runtime/')) return 'discovery';
  if (url.includes('/@grpc/grpc-js/') || url.includes('/@grpc/proto-loader/')) return 'grpc';
  return undefined;
}

function topFrames(self: Map<number, number>, byId: Map<number, ProfileNode>, total: number, limit: number): FrameShare[] {
  const byFrame = new Map<string, { area: string; us: number }>();
  for (const [id, us] of self) {
    const node = byId.get(id) as ProfileNode;
    const key = frameName(node);
    const e = byFrame.get(key) ?? { area: areaOf(node.callFrame.url, node.callFrame.functionName), us: 0 };
    e.us += us;
    byFrame.set(key, e);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, limit)
    .map(([frame, e]) => ({ frame, area: e.area, us: e.us, share: total > 0 ? e.us / total : 0 }));
}

export function summarizeProfile(profile: CpuProfile, marks: readonly StageMark[], limit = 12): StageProfile[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseCache = new Map<number, Phase>();
  const phaseFor = (id: number): Phase => {
    const cached = phaseCache.get(id);
    if (cached) return cached;
    let p: Phase = 'sdk';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const hit = phaseOf(byId.get(cur) as ProfileNode);
      if (hit) {
        p = hit;
        break;
      }
    }
    phaseCache.set(id, p);
    return p;
  };

  const out: StageProfile[] = [];
  for (const mark of marks) {
    const self = new Map<number, number>();
    const selfByPhase = new Map<Phase, Map<number, number>>();
    const phases: Partial<Record<Phase, number>> = {};
    let t = profile.startTime;
    let sampled = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = profile.timeDeltas[i] ?? 0;
      t += dt;
      if (t < mark.startUs || t > mark.endUs) continue;
      const id = profile.samples[i] as number;
      const node = byId.get(id) as ProfileNode;
      const fn = node.callFrame.functionName;
      // (idle) is the loop waiting (the 1 ms yields between cycles), not CPU.
      if (fn === '(idle)') continue;
      // The interval until the next sample is what this sample stands for.
      const us = profile.timeDeltas[i + 1] ?? dt;
      sampled += us;
      self.set(id, (self.get(id) ?? 0) + us);
      if (mark.stage === 'full' || mark.stage === 'agent') {
        const p = phaseFor(id);
        phases[p] = (phases[p] ?? 0) + us;
        const m = selfByPhase.get(p) ?? new Map<number, number>();
        m.set(id, (m.get(id) ?? 0) + us);
        selfByPhase.set(p, m);
      }
    }
    const areas = new Map<string, number>();
    for (const [id, us] of self) {
      const n = byId.get(id) as ProfileNode;
      const a = areaOf(n.callFrame.url, n.callFrame.functionName);
      areas.set(a, (areas.get(a) ?? 0) + us);
    }
    const stage: StageProfile = {
      stage: mark.stage,
      sampledUs: sampled,
      phases,
      areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, us, share: sampled > 0 ? us / sampled : 0 })),
      top: topFrames(self, byId, sampled, limit),
    };
    if (mark.stage === 'full' || mark.stage === 'agent') {
      stage.topByPhase = {};
      for (const [p, m] of selfByPhase) {
        const phaseTotal = [...m.values()].reduce((s, x) => s + x, 0);
        stage.topByPhase[p] = topFrames(m, byId, phaseTotal, limit);
      }
    }
    out.push(stage);
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;

export function formatProfile(stages: readonly StageProfile[], n: number, cycles: number): string {
  const lines: string[] = [];
  for (const s of stages) {
    const per = (us: number) => `${(us / (cycles * n)).toFixed(1)} µs/container/cycle`;
    // V8 samples on a wall-clock timer: a thread waiting for a core is charged to the frame it was in,
    // so on a loaded machine the sampled time exceeds the CPU time. Read the shares, not the total.
    lines.push(`profile ${s.stage.toUpperCase()} (N=${n}): ${(s.sampledUs / 1000).toFixed(0)} ms of main-thread samples (${per(s.sampledUs)} wall, warm-up included; shares are the figure)`);
    if (s.stage === 'full' || s.stage === 'agent') {
      lines.push(
        '  phases: ' +
          Object.entries(s.phases)
            .sort((a, b) => b[1] - a[1])
            .map(([p, us]) => `${p} ${pct(us / s.sampledUs).trim()}`)
            .join(', '),
      );
    }
    lines.push('  by area: ' + s.areas.slice(0, 8).map((a) => `${a.area} ${pct(a.share).trim()}`).join(', '));
    lines.push('  top self frames:');
    for (const f of s.top) lines.push(`    ${pct(f.share)}  ${f.frame}  [${f.area}]`);
    for (const [p, frames] of Object.entries(s.topByPhase ?? {})) {
      if (p === 'gc') continue;
      lines.push(`  top self frames in phase ${p}:`);
      for (const f of frames.slice(0, 8)) lines.push(`    ${pct(f.share)}  ${f.frame}  [${f.area}]`);
    }
  }
  return lines.join('\n');
}
