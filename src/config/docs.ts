import { formatDuration, MAX_DURATION_MS, parseDuration } from './formats.js';
import { leafPaths, type SchemaLeaf } from './schema.js';

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : '`' + value.join(',') + '`';
  if (value && typeof value === 'object') return Object.keys(value).length === 0 ? '`{}`' : '`' + JSON.stringify(value) + '`';
  return value === '' ? '`""`' : '`' + String(value) + '`';
}

const FORMAT_TEXT: Record<string, string> = {
  bool: '`true` or `false`',
  'abs-path': 'absolute path',
  'optional-path': 'absolute path or `""`',
  'otlp-endpoint': '`http://` or `https://` URL without credentials, or `""`',
  'cri-endpoint': '`unix:///…`, absolute path or `""`',
  headers: 'map, or `k=v,k2=v2`',
  'string-map': 'map of strings',
  'string-list': 'list, or `a,b` from env/flags',
  'port-number': '1–65535',
  'metric-overrides': 'map of metric name to `true`/`false`, or `name=true,name2=false`',
};

/** What a key accepts, from its format and bounds (the same rules the loader enforces). */
export function allowedText(leaf: SchemaLeaf): string {
  if (Array.isArray(leaf.format)) return leaf.format.map((v) => '`' + String(v) + '`').join(', ');
  if (leaf.format === 'duration-ms') {
    const min = formatDuration(parseDuration(leaf.min ?? 1));
    const max = formatDuration(parseDuration(leaf.max ?? MAX_DURATION_MS));
    return `duration ${min}–${max}`;
  }
  if (leaf.format === 'count') return `${leaf.min ?? 0}–${leaf.max ?? 'any'}`;
  if (typeof leaf.format === 'string') return FORMAT_TEXT[leaf.format] ?? leaf.format;
  return 'string';
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
    'Booleans are `true` or `false` (any case) and nothing else: `yes`, `no`, `1`, `0`, `on`, `off` and',
    'the empty string are errors. Secrets (header values, URL credentials) are never printed.',
    'On SIGHUP the agent re-reads the file and restarts with it if it is valid (see README).',
    '',
    '| Key | Flag | Environment | Default | Allowed | Meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const { path, leaf } of leafPaths()) {
    lines.push(
      `| \`${path}\` | \`--${leaf.arg}\` | \`${leaf.env}\` | ${show(leaf.default)} | ${allowedText(leaf)} | ${leaf.doc}${leaf.sensitive ? ' (masked in --print-config)' : ''} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
