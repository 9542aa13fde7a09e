import { ConfigError } from '../errors.js';
import type { Command, CommandArgs } from './command.js';

/** podpulse's own flags that mean nothing to a command (`top` declares its own --once). */
const AGENT_ONLY = new Set(['once', 'print', 'print-config', 'version']);

/**
 * Splits a command's argv into its own flags and positionals, and the rest: the config flags
 * (`--config FILE`, `--paths-proc /host/proc`, …), which loadConfig() checks as for the agent.
 * Every config flag takes a value, so a flag that is not the command's takes the next token.
 */
export function splitCommandArgs(cmd: Command, argv: readonly string[]): { args: CommandArgs; rest: string[] } {
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('--') || token === '--') {
      if (token.startsWith('-') && token !== '-') throw new ConfigError(`unexpected argument "${token}" (flags start with --; see podpulse ${cmd.name} --help)`);
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const type = cmd.flags[name];
    if (type === 'boolean') {
      if (inline !== undefined) throw new ConfigError(`flag --${name} takes no value (was "${inline}")`);
      values[name] = true;
    } else if (type === 'string') {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new ConfigError(`flag --${name} needs a value`);
      values[name] = value;
    } else if (AGENT_ONLY.has(name)) {
      throw new ConfigError(`flag --${name} is not a flag of "podpulse ${cmd.name}"; its flags: ${Object.keys(cmd.flags).map((f) => '--' + f).join(', ')}`);
    } else {
      rest.push(token);
      if (inline === undefined && name !== 'help' && i + 1 < argv.length) rest.push(argv[++i] as string);
    }
  }
  if (positionals.length < cmd.positionals.length) {
    throw new ConfigError(`missing ${cmd.positionals.slice(positionals.length).join(' ')}; usage: podpulse ${cmd.usage}`);
  }
  if (positionals.length > cmd.positionals.length) throw new ConfigError(`unexpected argument "${positionals[cmd.positionals.length]}"; usage: podpulse ${cmd.usage}`);
  return { args: { values, positionals }, rest };
}
