import type { Agent } from '../agent.js';
import type { AgentConfig } from '../config/load.js';
import type { FileReader } from '../fs/file-reader.js';
import type { Logger } from '../log.js';

/** What a command's flags parsed to: strings and booleans by flag name, then the positionals. */
export interface CommandArgs {
  values: Readonly<Record<string, string | boolean | undefined>>;
  positionals: readonly string[];
}

export interface CommandContext {
  config: AgentConfig;
  log: Logger;
  args: CommandArgs;
  out: NodeJS.WriteStream;
  /**
   * The agent (its CRI inventory and readers), for commands that look at containers; built on first
   * use, with `reader` as its file reader when given (explain records the reads).
   */
  agent(opts?: { reader?: FileReader }): Agent;
  /** Resolves after `ms`, or at once when the command is asked to stop (Ctrl-C). */
  sleep(ms: number): Promise<void>;
  /** True once SIGINT or SIGTERM arrived: a looping command ends. */
  stopping(): boolean;
}

/**
 * An operator command (`podpulse ps`, …). It reads through the agent's own parts and prints; its
 * flags are its own, and every other flag is a config key (`--paths-proc /host/proc`).
 */
export interface Command {
  name: string;
  /** One line for --help. */
  summary: string;
  /** The usage line, without "podpulse ". */
  usage: string;
  flags: Readonly<Record<string, 'string' | 'boolean'>>;
  /** Names of the positional arguments it requires, in order. */
  positionals: readonly string[];
  /** Config flags the command adds before the user's (explain switches on its metric's group). */
  configFlags?(args: CommandArgs): string[];
  run(ctx: CommandContext): Promise<number>;
}
