import { Agent } from '../agent.js';
import { loadConfig } from '../config/load.js';
import { AgentError, ConfigError } from '../errors.js';
import { createLogger } from '../log.js';
import { routeOtelDiagnostics } from '../otel-diag.js';
import type { Command, CommandContext } from './command.js';
import { splitCommandArgs } from './command-args.js';

/** Usage and flags of one command, for `podpulse <command> --help`. */
export function commandHelp(cmd: Command): string {
  return [
    `Usage: podpulse ${cmd.usage} [--config FILE] [--<key> VALUE ...]`,
    '',
    `${cmd.summary.charAt(0).toUpperCase()}${cmd.summary.slice(1)}.`,
    '',
    'Config flags (--paths-proc, --cri-endpoint, …) work as for the agent; see podpulse --help.',
    'Exit codes: 0 ok, 1 failure (e.g. the container runtime does not answer), 2 bad usage (an unknown flag, or a filter that names no pod or container).',
    '',
  ].join('\n');
}

/**
 * Runs one operator command: its flags, then the config (file, environment, config flags) as the
 * agent loads it, then the command on an Agent that is built but never started. Usage and config
 * errors become one line on stderr and exit code 2. Ctrl-C ends a waiting command cleanly.
 */
export async function runCommand(cmd: Command, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  let agent: Agent | undefined;
  let stopping = false;
  const wakers = new Set<() => void>();
  const onSignal = (): void => {
    stopping = true;
    for (const wake of wakers) wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { args, rest } = splitCommandArgs(cmd, argv);
    const loaded = loadConfig([...(cmd.configFlags?.(args) ?? []), ...rest], env);
    // Errors only by default: an operator command's output is its table or its one error line. The
    // collection's warnings (a /proc/<pid>/fd refused, …) are rate-limited for the long-running agent,
    // but would repeat on every command run; `--log-level warn` shows them.
    const log = createLogger(loaded.config.log.level === 'info' ? 'error' : loaded.config.log.level, loaded.secrets);
    routeOtelDiagnostics(log);
    const ctx: CommandContext = {
      config: loaded.config,
      log,
      args,
      out: process.stdout,
      agent: (opts) => (agent ??= new Agent({ config: loaded.config, env, log, ...(opts?.reader ? { reader: opts.reader } : {}) })),
      stopping: () => stopping,
      sleep: (ms) =>
        stopping
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const wake = (): void => {
                clearTimeout(timer);
                wakers.delete(wake);
                resolve();
              };
              const timer = setTimeout(wake, ms);
              wakers.add(wake);
            }),
    };
    return await cmd.run(ctx);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) process.stderr.write(`podpulse ${cmd.name}: ${line}\n`);
      return 2;
    }
    // A runtime that does not answer, a proc root that is not procfs: the command cannot do its work.
    if (err instanceof AgentError) {
      process.stderr.write(`podpulse ${cmd.name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await agent?.stop();
  }
}
