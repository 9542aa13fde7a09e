import { allowedText } from '../config/docs.js';
import { leafPaths } from '../config/schema.js';
import { COMMANDS } from './commands.js';

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.join(',');
  if (value && typeof value === 'object') return Object.keys(value).length === 0 ? '{}' : JSON.stringify(value);
  return value === '' ? '""' : String(value);
}

/** --help, generated from the config schema so it always lists every key, env var and default. */
export function helpText(): string {
  const lines = [
    'Usage: podpulse [--config FILE] [--once [--print prometheus|json]] [--print-config] [--<key> VALUE ...]',
    '       podpulse ps|stats|top|explain|machine [command flags] [--config FILE] [--<key> VALUE ...]',
    '',
    'Collects container metrics from cgroups, /proc and the CRI runtime and pushes them over OTLP/gRPC.',
    '',
    'Commands:',
    '  --config FILE           YAML config file (npm start uses config/podpulse.yaml)',
    '  --once                  collect once, push once, exit (exit code 1 if the push failed)',
    '  --print prometheus|json collect once and print instead of pushing (implies --once); logs go to stderr',
    '  --print-config          print the effective configuration (secrets masked) and exit',
    '  --version, --help',
    '',
    'Operator commands (podpulse <command> --help for each):',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'Configuration (file key / flag / environment variable, default):',
  ];
  for (const { path, leaf } of leafPaths()) {
    lines.push(`  ${path}`);
    lines.push(`      --${leaf.arg} | ${leaf.env}  (default ${show(leaf.default)}; ${allowedText(leaf).replace(/`/g, '')})`);
    lines.push(`      ${leaf.doc}`);
  }
  lines.push(
    '',
    'Precedence: defaults < config file < environment < flags. Booleans are true or false only.',
    'SIGHUP re-reads the configuration and restarts the agent with it if it is valid (else keeps the old one).',
    'Exit codes: 0 ok, 1 failure, 2 bad configuration.',
    '',
  );
  return lines.join('\n');
}
