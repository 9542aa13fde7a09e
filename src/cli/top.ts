/**
 * `podpulse top`: a live view, refreshed every --interval (1 s), of CPU, throttling, working set
 * against the limit and network rates per pod and container. Plain ANSI (clear, home, reverse
 * video) so it works in any terminal and over SSH. Keys: c CPU, m memory, t throttling, r network,
 * n name; q or Ctrl-C quits. `--once` prints one frame without escape codes.
 */
import type { Snapshot } from '../collection/sample.js';
import { ConfigError } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { durationFlag } from './duration-flag.js';
import { bytes, percent, rate, table } from './format.js';
import { discoverPods, filterOf, type TargetFilter } from './select.js';
import { usageRows, type UsageRow } from './usage-rows.js';

export type SortKey = 'cpu' | 'memory' | 'throttling' | 'network' | 'name';

const KEYS: Readonly<Record<string, SortKey>> = { c: 'cpu', m: 'memory', t: 'throttling', r: 'network', n: 'name' };

const metric: Record<Exclude<SortKey, 'name'>, (r: UsageRow) => number> = {
  cpu: (r) => r.cpuCores ?? -1,
  memory: (r) => r.memoryWorkingSetBytes ?? -1,
  throttling: (r) => r.throttledFraction ?? -1,
  network: (r) => (r.networkRxBytesPerSecond ?? 0) + (r.networkTxBytesPerSecond ?? 0) - (r.networkRxBytesPerSecond === undefined ? 1 : 0),
};

/**
 * Pods ordered by their own row's value (largest first), each followed by its containers in the
 * same order; `name` orders by namespace, pod and container.
 */
export function sortRows(rows: readonly UsageRow[], key: SortKey): UsageRow[] {
  const pods = new Map<string, { pod?: UsageRow; containers: UsageRow[] }>();
  for (const r of rows) {
    const k = `${r.namespace}/${r.pod}`;
    const entry = pods.get(k) ?? { containers: [] };
    if (r.container === '') entry.pod = r;
    else entry.containers.push(r);
    pods.set(k, entry);
  }
  const value = (r: UsageRow | undefined): number => (r === undefined || key === 'name' ? 0 : metric[key](r));
  // The network lives on the pod row; containers of a pod are then ordered by CPU.
  const inner = key === 'network' ? metric.cpu : (r: UsageRow) => value(r);
  const byName = (a: string, b: string): number => a.localeCompare(b);
  const groups = [...pods.entries()].sort(([ka, a], [kb, b]) => (key === 'name' ? byName(ka, kb) : value(b.pod) - value(a.pod) || byName(ka, kb)));
  const out: UsageRow[] = [];
  for (const [, g] of groups) {
    if (g.pod) out.push(g.pod);
    out.push(...g.containers.sort((a, b) => (key === 'name' ? 0 : inner(b) - inner(a)) || byName(a.container, b.container)));
  }
  return out;
}

export interface FrameInfo {
  host: string;
  at: Date;
  sort: SortKey;
  intervalMs: number;
  /** Terminal size; undefined prints everything (--once, a pipe). */
  columns?: number;
  lines?: number;
  /** Shown instead of "(no running containers)" while the first interval runs. */
  note?: string;
}

export function topFrame(rows: readonly UsageRow[], info: FrameInfo): string {
  const pods = rows.filter((r) => r.container === '').length;
  const head = `podpulse top  ${info.host}  ${info.at.toISOString().slice(11, 19)}Z  ${pods} pods, ${rows.length - pods} containers  every ${info.intervalMs / 1000}s  sort: ${info.sort}  (c cpu, m memory, t throttling, r network, n name, q quit)`;
  const body = table(
    ['NAMESPACE', 'POD', 'CONTAINER', 'CPU', 'LIMIT', 'THROTTLED', 'WORKING SET', 'MEM LIMIT', 'MEM %', 'NET RX', 'NET TX'],
    rows.map((r) => [
      r.namespace,
      r.pod,
      r.container === '' ? '(pod)' : r.container,
      r.cpuCores === undefined ? '-' : r.cpuCores.toFixed(3),
      r.cpuLimitCores === undefined ? '-' : r.cpuLimitCores.toFixed(3),
      percent(r.throttledFraction),
      bytes(r.memoryWorkingSetBytes),
      bytes(r.memoryLimitBytes),
      r.memoryLimitBytes === undefined || r.memoryWorkingSetBytes === undefined ? '-' : percent(r.memoryWorkingSetBytes / r.memoryLimitBytes),
      r.container === '' ? rate(r.networkRxBytesPerSecond) : '',
      r.container === '' ? rate(r.networkTxBytesPerSecond) : '',
    ]),
  );
  let lines = [head, '', ...body.trimEnd().split('\n')];
  if (rows.length === 0) lines.push(info.note ?? '(no running containers)');
  if (info.lines !== undefined) lines = lines.slice(0, Math.max(1, info.lines - 1));
  if (info.columns !== undefined) lines = lines.map((l) => l.slice(0, info.columns));
  return lines.join('\n') + '\n';
}

export const topCommand: Command = {
  name: 'top',
  summary: 'live view of CPU, throttling, working set vs limit and network per pod and container (q quits)',
  usage: 'top [--pod NAME] [--namespace NS] [--container NAME] [--interval 1s] [--sort cpu|memory|throttling|network|name] [--once]',
  flags: { pod: 'string', namespace: 'string', container: 'string', interval: 'string', sort: 'string', once: 'boolean' },
  positionals: [],
  async run(ctx) {
    const intervalMs = durationFlag('interval', ctx.args.values.interval, 1000, 200, 60_000);
    const sortArg = ctx.args.values.sort;
    const sorts: SortKey[] = ['cpu', 'memory', 'throttling', 'network', 'name'];
    if (sortArg !== undefined && !sorts.includes(sortArg as SortKey)) {
      throw new ConfigError(`flag --sort: value was "${String(sortArg)}"; allowed: ${sorts.join(', ')}`);
    }
    const filter = filterOf(ctx.args.values);
    const agent = ctx.agent();
    await discoverPods(agent, ctx.config.cri.endpoint);
    const previous = await agent.cycleReader.collect();
    // A filter that names nothing fails here, before the screen is taken over.
    usageRows(previous, previous, filter);
    const sort = (sortArg as SortKey | undefined) ?? 'cpu';
    const host = agent.resource.attributes['host.name'];
    const info = (sort: SortKey): FrameInfo => ({ host: typeof host === 'string' ? host : '', at: new Date(), sort, intervalMs });
    if (ctx.args.values.once === true) {
      await ctx.sleep(intervalMs);
      const rows = usageRows(previous, await agent.cycleReader.collect(), filter);
      ctx.out.write(topFrame(sortRows(rows, sort), info(sort)));
      return 0;
    }
    return live(ctx, { next: () => agent.cycleReader.collect(), first: previous, filter, intervalMs, sort, info });
  },
};

interface LiveOptions {
  next(): Promise<Snapshot>;
  first: Snapshot;
  filter: TargetFilter;
  intervalMs: number;
  sort: SortKey;
  info(sort: SortKey): FrameInfo;
}

/** The interactive loop: alternate screen, raw keys, one frame per interval or key press. */
async function live(ctx: CommandContext, opts: LiveOptions): Promise<number> {
  const out = ctx.out;
  const stdin = process.stdin;
  let sort = opts.sort;
  let quit = false;
  let wake: (() => void) | undefined;
  const onKey = (data: Buffer): void => {
    for (const ch of data.toString('utf8')) {
      if (ch === 'q' || ch === '\u0003') quit = true;
      else if (KEYS[ch] !== undefined) sort = KEYS[ch];
    }
    wake?.();
  };
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', onKey);
  stdin.resume();
  // Alternate screen and hidden cursor; both undone however the loop ends.
  out.write('\x1b[?1049h\x1b[?25l');
  let rows: UsageRow[] = [];
  let previous = opts.first;
  // Rates need a whole interval between two reads: the first rows come after one.
  let note: string | undefined = `(measuring for ${opts.intervalMs / 1000}s…)`;
  try {
    let due = performance.now() + opts.intervalMs;
    while (!quit) {
      const now = performance.now();
      if (now >= due) {
        const snap = await opts.next();
        rows = usageRows(previous, snap, opts.filter);
        previous = snap;
        note = undefined;
        due = now + opts.intervalMs;
      }
      const frame = topFrame(sortRows(rows, sort), { ...opts.info(sort), columns: out.columns, lines: out.rows, ...(note ? { note } : {}) });
      out.write('\x1b[H\x1b[2J' + frame.replace(/\n/g, '\x1b[K\n'));
      await Promise.race([ctx.sleep(Math.max(0, due - performance.now())), new Promise<void>((resolve) => (wake = resolve))]);
      wake = undefined;
      if (ctx.stopping()) quit = true;
    }
  } finally {
    stdin.off('data', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    out.write('\x1b[?25h\x1b[?1049l');
  }
  return 0;
}
