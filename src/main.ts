#!/usr/bin/env node
import { Agent } from './agent.js';
import { findCommand } from './cli/commands.js';
import { helpText } from './cli/help.js';
import { runCommand } from './cli/run-command.js';
import { changedKeys } from './config/diff.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import { maskUrlCredentials } from './config/secrets.js';
import { AgentError, ConfigError } from './errors.js';
import { toJsonPoints } from './export/sdk/json-points.js';
import { renderPrometheusText } from './export/prometheus/text.js';
import { createLogger, type Logger } from './log.js';
import { routeOtelDiagnostics } from './otel-diag.js';
import { podpulseVersion } from './version.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;

function printConfigError(err: ConfigError): number {
  for (const line of err.message.split('\n')) process.stderr.write(`podpulse: config error: ${line}\n`);
  return EXIT_CONFIG;
}

/** A logger for this config: its level, and the values of its sensitive keys masked in every line. */
function loggerFor(loaded: Pick<LoadedConfig, 'config' | 'secrets'>): Logger {
  const log = createLogger(loaded.config.log.level, loaded.secrets);
  routeOtelDiagnostics(log);
  return log;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // `podpulse ps|stats|top|explain|machine …`: operator commands on the agent's own readers.
  const found = findCommand(argv);
  if (found) return runCommand(found.command, found.argv, env);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return printConfigError(err);
    throw err;
  }
  const { config, cli } = loaded;
  if (cli.help) {
    process.stdout.write(helpText());
    return EXIT_OK;
  }
  if (cli.version) {
    process.stdout.write(`podpulse ${podpulseVersion()}\n`);
    return EXIT_OK;
  }
  if (cli.printConfig) {
    process.stdout.write(loaded.describe() + '\n');
    return EXIT_OK;
  }
  const log = loggerFor(loaded);
  for (const w of loaded.warnings) log.warn(w);

  let agent: Agent;
  try {
    agent = new Agent({ config, env, log });
  } catch (err) {
    // paths.sys without the cgroup mounts is a configuration problem, found only once the agent looks.
    if (err instanceof ConfigError) return printConfigError(err);
    log.fatal({ code: err instanceof AgentError ? err.code : undefined }, (err as Error).message);
    return EXIT_FAILURE;
  }

  if (cli.once) return runOnce(agent, cli.print, log);
  return runDaemon(agent, loaded, argv, env, log);
}

async function runOnce(agent: Agent, print: LoadedConfig['cli']['print'], log: Logger): Promise<number> {
  if (print !== undefined) {
    const rm = await agent.collectOnce();
    if (print === 'json') {
      for (const p of toJsonPoints(rm)) process.stdout.write(JSON.stringify(p) + '\n');
    } else {
      process.stdout.write(renderPrometheusText(rm));
    }
    return EXIT_OK;
  }
  try {
    await agent.start({ serveHealth: false });
  } catch (err) {
    await agent.stop();
    if (err instanceof ConfigError) return printConfigError(err);
    log.fatal((err as Error).message);
    return EXIT_FAILURE;
  }
  await agent.stop();
  return agent.stats.exports.failure > 0 ? EXIT_FAILURE : EXIT_OK;
}

/**
 * Runs until SIGTERM/SIGINT. SIGHUP re-reads the configuration (file, environment and flags as at
 * startup): an invalid one is logged on one line and the running agent keeps its config; a valid
 * one replaces the agent (stop, then start with the new config, which also re-reads TLS files).
 * Signals are handled one after another, so a SIGTERM during a reload stops whichever agent is
 * running once it ends. Ends the process itself once the agent has stopped (see the end).
 */
async function runDaemon(first: Agent, loaded: LoadedConfig, argv: string[], env: NodeJS.ProcessEnv, firstLog: Logger): Promise<never> {
  /** The running agent; undefined once none runs (a reload that could not restart anything). */
  let agent: Agent | undefined = first;
  let current = loaded;
  let log = firstLog;

  /** The first start; an exit code when it failed. */
  const startFirst = async (): Promise<number | undefined> => {
    try {
      await first.start();
      return undefined;
    } catch (err) {
      agent = undefined;
      await first.stop();
      if (err instanceof ConfigError) return printConfigError(err);
      log.fatal((err as Error).message);
      return EXIT_FAILURE;
    }
  };

  const restart = async (candidate: Agent, withLog: Logger): Promise<boolean> => {
    try {
      await candidate.start();
      return true;
    } catch (err) {
      await candidate.stop().catch(() => undefined);
      withLog.error({ code: err instanceof AgentError ? err.code : undefined }, `SIGHUP: cannot start: ${(err as Error).message}`);
      return false;
    }
  };

  const reload = async (): Promise<number | undefined> => {
    let next: LoadedConfig;
    try {
      next = loadConfig(argv, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log.error({ reload: 'rejected' }, `SIGHUP: config not reloaded, keeping the running one: ${err.message.split('\n').join('; ')}`);
      return undefined;
    }
    // Restart even when no key changed: the TLS files behind unchanged paths may have been renewed.
    const changed = changedKeys(current.config, next.config);
    const nextLog = loggerFor(next);
    let candidate: Agent;
    try {
      // Built before the running agent stops: a config whose paths show no cgroups is refused here.
      candidate = new Agent({ config: next.config, env, log: nextLog });
    } catch (err) {
      log.error({ reload: 'rejected' }, `SIGHUP: config not reloaded, keeping the running one: ${(err as Error).message}`);
      return undefined;
    }
    for (const w of next.warnings) nextLog.warn(w);
    nextLog.info(
      { reload: 'restarting', changed },
      `SIGHUP: ${changed.length > 0 ? `config changed (${changed.join(', ')})` : 'no key changed'}; restarting the agent (TLS files are read again)`,
    );
    await agent?.stop();
    if (await restart(candidate, nextLog)) {
      agent = candidate;
      current = next;
      log = nextLog;
      return undefined;
    }
    // Valid but not runnable here (e.g. the Prometheus port is taken): go back to the config that ran.
    log = loggerFor(current);
    try {
      agent = new Agent({ config: current.config, env, log });
      if (await restart(agent, log)) {
        log.warn({ reload: 'reverted' }, 'SIGHUP: running the previous config again');
        return undefined;
      }
    } catch (err) {
      log.error((err as Error).message);
    }
    agent = undefined;
    log.fatal('cannot restart with the previous config either; exiting');
    return EXIT_FAILURE;
  };

  // The SDK's export timer is unref'd; this handle keeps the process alive until a signal arrives.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (exitCode: number): void => {
      stopping = true;
      resolve(exitCode);
    };
    // Signals are handled one after another, starting with the first start: a signal that arrives
    // during it waits for it to finish. The handlers go in before the start begins (its first cycle
    // reads synchronously, and until then SIGHUP's default action would end the process).
    let queue: Promise<unknown> = Promise.resolve();
    // A second signal (npm forwarding it, a repeated Ctrl-C) must not kill the shutdown half-way.
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      queue = queue.then(() => resolve(EXIT_OK));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (stopping) return;
      queue = queue.then(async () => {
        if (stopping) return;
        const exitCode = await reload().catch((err: unknown) => {
          log.error(`SIGHUP: reload failed: ${(err as Error).message}`);
          return undefined;
        });
        if (exitCode !== undefined) finish(exitCode);
      });
    });
    queue = queue.then(async () => {
      const exitCode = await startFirst();
      if (exitCode !== undefined) finish(exitCode);
    });
  });
  clearInterval(keepAlive);
  await agent?.stop();
  // Exit now rather than when the event loop drains. A signal sent to a process group (Ctrl-C, kill
  // -TERM -<pgid>, systemd's default) reaches us twice under `npm start`: directly, and again when
  // npm forwards its copy, which on a busy machine can come late. Node's natural exit removes the
  // signal handlers first, and that late copy would then kill us by the signal's default action
  // (npm then dies of the same signal, and the exit code 0 is lost). process.exit leaves them in
  // place until the end. The logger writes synchronously, so no line is lost.
  process.exit(code);
}

// `podpulse --print json | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.exitCode = printConfigError(err);
      return;
    }
    // No logger (and so no list of header values) is certain to exist here; URL credentials at least are masked.
    process.stderr.write(maskUrlCredentials(`podpulse: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
    process.exitCode = EXIT_FAILURE;
  },
);
