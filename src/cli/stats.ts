/**
 * `podpulse stats`: one line per container (and per pod) like `crictl stats`, from two collections
 * of the agent's cycle reader `--interval` apart.
 */
import type { Agent } from '../agent.js';
import type { Command, CommandContext } from './command.js';
import { durationFlag } from './duration-flag.js';
import { bytes, percent, rate, table } from './format.js';
import { discoverPods, filterOf, type TargetFilter } from './select.js';
import { usageRows, type UsageRow } from './usage-rows.js';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'CPU, memory, disk and network rates per container and pod, from two samples (like crictl stats)',
  usage: 'stats [--pod NAME] [--namespace NS] [--container NAME] [--interval 1s] [--json]',
  flags: { pod: 'string', namespace: 'string', container: 'string', interval: 'string', json: 'boolean' },
  positionals: [],
  async run(ctx) {
    const intervalMs = durationFlag('interval', ctx.args.values.interval, 1000, 200, 60_000);
    const rows = await sampleUsage(ctx, ctx.agent(), filterOf(ctx.args.values), intervalMs, ctx.config.cri.endpoint);
    ctx.out.write(ctx.args.values.json === true ? JSON.stringify({ rows }, null, 2) + '\n' : statsText(rows));
    return 0;
  },
};

/** Discovery to the end, then two collections `intervalMs` apart. */
export async function sampleUsage(ctx: Pick<CommandContext, 'sleep'>, agent: Agent, filter: TargetFilter, intervalMs: number, endpoint = ''): Promise<UsageRow[]> {
  await discoverPods(agent, endpoint);
  const before = await agent.cycleReader.collect();
  await ctx.sleep(intervalMs);
  const after = await agent.cycleReader.collect();
  return usageRows(before, after, filter);
}

const cores = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(3));

export function statsText(rows: readonly UsageRow[]): string {
  if (rows.length === 0) return 'no running containers\n';
  return table(
    ['NAMESPACE', 'POD', 'CONTAINER', 'CPU %', 'CORES', 'LIMIT', 'THROTTLED', 'WORKING SET', 'MEM LIMIT', 'MEM %', 'DISK R/W', 'NET RX/TX'],
    rows.map((r) => [
      r.namespace,
      r.pod,
      r.container === '' ? '(pod)' : r.container,
      r.cpuCores === undefined ? '-' : (r.cpuCores * 100).toFixed(1),
      cores(r.cpuCores),
      cores(r.cpuLimitCores),
      percent(r.throttledFraction),
      bytes(r.memoryWorkingSetBytes),
      bytes(r.memoryLimitBytes),
      r.memoryLimitBytes === undefined || r.memoryWorkingSetBytes === undefined ? '-' : percent(r.memoryWorkingSetBytes / r.memoryLimitBytes),
      `${rate(r.diskReadBytesPerSecond)} / ${rate(r.diskWriteBytesPerSecond)}`,
      r.container === '' ? `${rate(r.networkRxBytesPerSecond)} / ${rate(r.networkTxBytesPerSecond)}` : '',
    ]),
  );
}
