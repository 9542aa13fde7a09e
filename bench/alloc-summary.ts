/**
 * What a sampling heap profile (bench --heap-prof, V8's HeapProfiler with collected objects
 * included) says a stage allocated: bytes by allocating frame (self) and by the podpulse source
 * file nearest on the stack, which names the file kind being read or parsed.
 */

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface SamplingHeapProfile {
  head: SamplingNode;
}

export interface AllocShare {
  name: string;
  bytes: number;
  share: number;
}

export interface AllocSummary {
  totalBytes: number;
  frames: AllocShare[];
  podpulseFiles: AllocShare[];
}

/** `src/procfs/net-dev` for a podpulse source frame, built (dist/src/….js) or not (src/….ts); '' for anything else. */
function fileOf(url: string): string {
  if (url.includes('/node_modules/')) return '';
  const m = /\/(?:dist\/)?(src\/.*)\.[jt]s$/.exec(url);
  return m ? (m[1] as string) : '';
}

export function summarizeAllocations(profile: SamplingHeapProfile, top = 25): AllocSummary {
  const frames = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode, nearest: string): void => {
    const f = node.callFrame;
    const own = fileOf(f.url);
    const here = own !== '' ? own : nearest;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const name = `${f.functionName || '(anonymous)'} ${f.url ? (f.url.split('/').pop() ?? '') : ''}:${f.lineNumber + 1}`;
      frames.set(name, (frames.get(name) ?? 0) + node.selfSize);
      const file = here === '' ? '(outside podpulse src)' : here;
      files.set(file, (files.get(file) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, here);
  };
  walk(profile.head, '');
  const shares = (m: Map<string, number>): AllocShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes, share: total > 0 ? bytes / total : 0 }));
  return { totalBytes: total, frames: shares(frames), podpulseFiles: shares(files) };
}

export function formatAllocations(s: AllocSummary, n: number, cycles: number): string {
  const per = (bytes: number): string => `${(bytes / cycles / n).toFixed(0)} B/container/cycle`;
  const lines = [`allocations of READ (sampled, ${cycles} cycles, N=${n}): ${per(s.totalBytes)}`];
  lines.push('  by nearest podpulse source file:');
  for (const f of s.podpulseFiles) lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${per(f.bytes).padStart(24)}  ${f.name}`);
  lines.push('  by allocating frame:');
  for (const f of s.frames) lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${per(f.bytes).padStart(24)}  ${f.name}`);
  return lines.join('\n');
}
