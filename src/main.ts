#!/usr/bin/env node
import { Agent } from './agent.js';
import { helpText } from './cli/help.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import { AgentError, ConfigError } from './errors.js';
import { toJsonPoints } from './export/json-points.js';
import { renderPrometheusText } from './export/prometheus-text.js';
import { createLogger } from './log.js';
import { routeOtelDiagnostics } from './otel-diag.js';
import { podpulseVersion } from './version.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) process.stderr.write(`podpulse: config error: ${line}\n`);
      return 2;
    }
    throw err;
  }
  const { config, cli } = loaded;
  if (cli.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`podpulse ${podpulseVersion()}\n`);
    return 0;
  }
  if (cli.printConfig) {
    process.stdout.write(loaded.describe() + '\n');
    return 0;
  }
  const log = createLogger(config.log.level);
  routeOtelDiagnostics(log);
  for (const w of loaded.warnings) log.warn(w);

  let agent: Agent;
  try {
    agent = new Agent({ config, env, log });
  } catch (err) {
    log.fatal({ code: err instanceof AgentError ? err.code : undefined }, (err as Error).message);
    return 1;
  }

  if (cli.once) {
    const rm = await agent.collectOnce();
    if (cli.print === 'json') {
      for (const p of toJsonPoints(rm)) process.stdout.write(JSON.stringify(p) + '\n');
    } else if (cli.print === 'prometheus') {
      process.stdout.write(renderPrometheusText(rm));
    } else {
      await agent.start({ serveHealth: false });
      await agent.stop();
      return agent.stats.exports.failure > 0 ? 1 : 0;
    }
    return 0;
  }

  try {
    await agent.start();
  } catch (err) {
    log.fatal((err as Error).message);
    await agent.stop();
    return 1;
  }
  // The SDK's export timer is unref'd; this handle keeps the process alive until a signal arrives.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    // A second signal (npm forwarding it, a repeated Ctrl-C) must not kill the shutdown half-way.
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  clearInterval(keepAlive);
  await agent.stop();
  return 0;
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
    process.stderr.write(`podpulse: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
