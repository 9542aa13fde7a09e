import type { Command } from './command.js';
import { explainCommand } from './explain.js';
import { machineCommand } from './machine.js';
import { psCommand } from './ps.js';
import { statsCommand } from './stats.js';
import { topCommand } from './top.js';

/** The operator commands, by the name given as the first argument (`podpulse ps …`). */
export const COMMANDS: readonly Command[] = [psCommand, statsCommand, topCommand, explainCommand, machineCommand];

export function commandNamed(name: string | undefined): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
