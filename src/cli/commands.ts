import type { Command } from './command.js';
import { explainCommand } from './explain.js';
import { machineCommand } from './machine.js';
import { psCommand } from './ps.js';
import { statsCommand } from './stats.js';
import { topCommand } from './top.js';

/** The operator commands, by the name given as the first argument (`podpulse ps …`). */
export const COMMANDS: readonly Command[] = [psCommand, statsCommand, topCommand, explainCommand, machineCommand];

/** The agent's flags that take no value; every other flag (config keys, --config, --print) takes one. */
const VALUELESS = new Set(['--once', '--print-config', '--help', '-h', '--version']);

/**
 * The command named by the first positional argument, and argv without it: `podpulse ps …`, and
 * also `podpulse --config FILE ps …`, which is what `npm start -- ps …` runs.
 */
export function findCommand(argv: readonly string[]): { command: Command; argv: string[] } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token.startsWith('-')) {
      if (!VALUELESS.has(token) && !token.includes('=')) i++;
      continue;
    }
    const command = COMMANDS.find((c) => c.name === token);
    return command ? { command, argv: [...argv.slice(0, i), ...argv.slice(i + 1)] } : undefined;
  }
  return undefined;
}
