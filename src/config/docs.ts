import { leafPaths } from './schema.js';

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : '`' + value.join(',') + '`';
  if (value && typeof value === 'object') return Object.keys(value).length === 0 ? '`{}`' : '`' + JSON.stringify(value) + '`';
  return value === '' ? '`""`' : '`' + String(value) + '`';
}

/** docs/config.md, generated from the schema; a test fails when the checked-in copy is stale. */
export function renderConfigDoc(): string {
  const lines = [
    '# podpulse configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Precedence: defaults < YAML file (`--config FILE`) < environment (`PODPULSE_<KEY_PATH>`) < flags (`--<key-path>`).',
    'Validation is strict: an unknown key or a bad value stops the agent with one line per problem',
    '(`<key>: <what is allowed>: value was <value>`) and exit code 2. Durations take `ms`, `s`, `m`, `h`.',
    '',
    '| Key | Flag | Environment | Default | Meaning |',
    '|---|---|---|---|---|',
  ];
  for (const { path, leaf } of leafPaths()) {
    lines.push(`| \`${path}\` | \`--${leaf.arg}\` | \`${leaf.env}\` | ${show(leaf.default)} | ${leaf.doc}${leaf.sensitive ? ' (masked in --print-config)' : ''} |`);
  }
  lines.push('');
  return lines.join('\n');
}
