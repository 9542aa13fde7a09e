import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { containerLabels } from '../discovery/container-labels.js';
import { catalog } from '../metrics/catalog.js';
import { boundsErrors, givenValue } from './bounds.js';
import { cycleBudgets } from './cycle-budgets.js';
import { allFormats, parseDuration } from './formats.js';
import { argName, leafPaths, schema, type AgentConfig, type SchemaLeaf } from './schema.js';
import { buildConfig } from './shape.js';
import { maskUrlCredentials } from './secrets.js';
import { tlsErrors } from './tls-files.js';

export type PrintFormat = 'prometheus' | 'json';

/** Derived from the schema (schema.ts, shape.ts); exported here, where every consumer imports it. */
export type { AgentConfig };

export interface CliOptions {
  configFile?: string;
  once: boolean;
  print?: PrintFormat;
  printConfig: boolean;
  help: boolean;
  version: boolean;
}

export interface LoadedConfig {
  config: AgentConfig;
  cli: CliOptions;
  /** Effective config as text with sensitive values masked (for --print-config). */
  describe(): string;
  /** Non-fatal remarks (unknown PODPULSE_* variables). */
  warnings: string[];
  /** Values of sensitive keys (header values and the like), for the logger to mask in every line. */
  secrets: string[];
}

function ensureFormats(): void {
  // convict keeps formats in its own process-wide registry; registering again only replaces them.
  for (const f of allFormats) convict.addFormat(f);
}

/** podpulse's own flags (not config keys), with whether each takes a value. */
const OWN_FLAGS = new Map([
  ['config', 'string'],
  ['once', 'boolean'],
  ['print', 'string'],
  ['print-config', 'boolean'],
  ['help', 'boolean'],
  ['version', 'boolean'],
] as const);

/**
 * Splits argv into podpulse's own flags and per-key settings ([key path, value as given]). node's
 * parseArgs splits the tokens; it runs non-strict because strict mode refuses
 * "--collection-interval -5s" as ambiguous where the user should hear that -5s is no duration, so
 * unknown flags, stray arguments and missing values are refused here. Values are applied with
 * convict's set(), not its argv parser, which reads that same flag as "true".
 */
export function parseArgv(argv: readonly string[]): { cli: CliOptions; keyFlags: [string, string][] } {
  const keyArgs = new Map(leafPaths().map((l) => [argName(l.path), l.path]));
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [flag, type] of OWN_FLAGS) options[flag] ??= { type };
  for (const flag of keyArgs.keys()) options[flag] = { type: 'string' };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const cli: CliOptions = { once: false, printConfig: false, help: false, version: false };
  const keyFlags: [string, string][] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || (!token.rawName.startsWith('--') && token.name !== 'help')) {
      throw new ConfigError(`unexpected argument "${argv[token.index]}" (flags start with --; see --help)`);
    }
    const { name: flag, value } = token;
    const type = OWN_FLAGS.get(flag as never) ?? (keyArgs.has(flag) ? 'string' : undefined);
    if (type === undefined) {
      throw new ConfigError(`unknown flag --${flag}; allowed: ${[...OWN_FLAGS.keys(), ...keyArgs.keys()].map((f) => '--' + f).join(', ')}`);
    }
    if (type === 'boolean') {
      if (value !== undefined) throw new ConfigError(`flag --${flag} takes no value (was "${value}")`);
    } else if (value === undefined || (!token.inlineValue && value.startsWith('--'))) {
      throw new ConfigError(`flag --${flag} needs a value`);
    }
    switch (flag) {
      case 'config':
        cli.configFile = value;
        break;
      case 'once':
        cli.once = true;
        break;
      case 'print':
        if (value !== 'prometheus' && value !== 'json') throw new ConfigError(`flag --print: value was "${value}"; allowed: prometheus, json`);
        cli.print = value;
        break;
      case 'print-config':
        cli.printConfig = true;
        break;
      case 'help':
        cli.help = true;
        break;
      case 'version':
        cli.version = true;
        break;
      default:
        keyFlags.push([keyArgs.get(flag) as string, value as string]);
    }
  }
  if (cli.print && !cli.once) cli.once = true;
  return { cli, keyFlags };
}

/**
 * `<key>: unknown key: value was <v>; allowed under <section>: a, b` — the same shape as bad-value
 * lines. Names the first unknown segment, so a misspelt section is reported as the section.
 */
function unknownKeyLine(key: string, loaded: unknown): string {
  const parts = key.split('.');
  const sections = new Set<string>();
  for (const { path } of leafPaths()) {
    const segs = path.split('.');
    for (let i = 1; i < segs.length; i++) sections.add(segs.slice(0, i).join('.'));
  }
  let depth = parts.length - 1;
  while (depth > 0 && !sections.has(parts.slice(0, depth).join('.'))) depth--;
  const parent = parts.slice(0, depth).join('.');
  const bad = parts.slice(0, depth + 1);
  let value: unknown = loaded;
  for (const p of bad) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[p] : undefined;
  const siblings = new Set<string>();
  for (const { path } of leafPaths()) {
    if (parent === '' || path.startsWith(parent + '.')) siblings.add(path.slice(parent === '' ? 0 : parent.length + 1).split('.')[0] as string);
  }
  const where = parent === '' ? 'at the top level' : `under ${parent}`;
  return `${bad.join('.')}: unknown key: value was ${JSON.stringify(value)}; allowed ${where}: ${[...siblings].join(', ')}`;
}

/**
 * `metrics.<metric name>…` (e.g. `metrics.container_memory_rss.enabled: true`) is a natural guess at
 * a per-metric switch; point at the key that is one.
 */
function perMetricKeyLine(key: string): string | undefined {
  const [section, name] = key.split('.');
  if (section !== 'metrics' || name === undefined || !catalog.some((m) => m.name === name)) return undefined;
  return `metrics.${name}: unknown key; switch one metric with metrics.overrides.${name}: true or false (map under metrics.overrides)`;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The values of keys marked sensitive: a string, or each value of a map. Paths are left out (a
 * sensitive path such as tls.key names a secret file; the path itself must stay visible in errors).
 */
function secretValues(get: (key: string) => unknown): string[] {
  const out: string[] = [];
  for (const { path, leaf } of leafPaths()) {
    if (!leaf.sensitive || leaf.format === 'optional-path' || leaf.format === 'abs-path') continue;
    const value = get(path);
    if (typeof value === 'string' && value !== '') out.push(value);
    else if (isPlainMap(value)) out.push(...Object.values(value).filter((v): v is string => typeof v === 'string' && v !== ''));
  }
  return out;
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The catalog name closest to a misspelt one (at most 3 edits away), for the error message. */
function closestMetric(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of names) {
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) >= limit) return limit;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * metrics.overrides and metrics.disabled name catalog metrics; each unknown name is one line naming
 * its key. metrics.disabled keeps working (deprecated, with a warning); a metric it lists that
 * metrics.overrides switches on is a contradiction, not a precedence question.
 */
function metricSelectionErrors(metrics: AgentConfig['metrics'], warnings: string[]): string[] {
  const names = catalog.map((m) => m.name);
  const known = new Set(names);
  const unknown = (key: string, name: string): string => {
    const near = closestMetric(name, names);
    return `${key}: unknown metric "${name}"${near ? ` (did you mean ${near}?)` : ''}; allowed: metric names listed in docs/metrics.md`;
  };
  const problems: string[] = [];
  for (const name of Object.keys(metrics.overrides)) {
    if (!known.has(name)) problems.push(unknown(`metrics.overrides.${name}`, name));
  }
  for (const name of metrics.disabled) {
    if (!known.has(name)) problems.push(unknown('metrics.disabled', name));
    else if (metrics.overrides[name] === true) {
      problems.push(`metrics.disabled: lists "${name}", which metrics.overrides.${name} switches on; keep one of them`);
    }
  }
  if (metrics.disabled.length > 0) {
    warnings.push(
      `metrics.disabled is deprecated and still honoured; write metrics.overrides instead (${metrics.disabled.map((n) => `${n}: false`).join(', ')})`,
    );
  }
  return problems;
}

/** The line convict would print for a value its format refuses (without the value of a sensitive key). */
function formatErrors(path: string, leaf: SchemaLeaf, value: unknown): string[] {
  const format = allFormats.find((f) => f.name === leaf.format);
  if (!format) return [];
  try {
    format.validate(value);
    return [];
  } catch (err) {
    const shown = value && !leaf.sensitive ? `: value was ${JSON.stringify(value)}` : '';
    return [`${path}: ${(err as Error).message}${shown}`];
  }
}

/**
 * Loads defaults < config file < PODPULSE_* environment < flags, validates strictly, and returns a
 * typed config. Every problem becomes a ConfigError whose message lists one line per bad key;
 * credentials in a URL are masked in it.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  try {
    return loadUnmasked(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(maskUrlCredentials(err.message));
    throw err;
  }
}

function loadUnmasked(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  ensureFormats();
  const { cli, keyFlags } = parseArgv(argv);
  const conf = convict(schema as convict.Schema<unknown>, { env: env as Record<string, string>, args: [] });
  let file: unknown = {};
  if (cli.configFile) {
    file = readConfigFile(cli.configFile);
    if (typeof file !== 'object' || file === null || Array.isArray(file)) {
      throw new ConfigError(`config file ${cli.configFile} must hold a YAML map at the top level`);
    }
    conf.load(file);
  }
  // After load(): convict re-applies the environment on every load, and flags must win over it.
  for (const [key, value] of keyFlags) conf.set(key as never, value as never);
  const get = (key: string): unknown => conf.get(key as never);
  const problems: string[] = [];
  // convict's validate() splits every key of the instance on "." and fails on a map entry such as
  // resource.attributes."k8s.cluster.name" or a header "x-tenant.id". Map-valued leaves are
  // therefore validated here, and stand aside as {} while convict checks the rest.
  const maps = leafPaths()
    .filter(({ leaf }) => isPlainMap(leaf.default))
    .map(({ path, leaf }) => ({ path, leaf, value: get(path) }));
  for (const m of maps) {
    conf.set(m.path as never, {} as never);
    problems.push(...formatErrors(m.path, m.leaf, m.value));
  }
  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    for (const line of (err as Error).message.split('\n')) {
      const m = /^configuration param '([^']+)' not declared in the schema$/.exec(line);
      problems.push(m?.[1] ? (perMetricKeyLine(m[1]) ?? unknownKeyLine(m[1], conf.getProperties())) : line);
    }
  } finally {
    for (const m of maps) conf.set(m.path as never, m.value as never);
  }
  problems.push(...boundsErrors(get, (path, leaf) => givenValue(path, leaf, file, env, keyFlags)));
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  const known = new Set(leafPaths().map((l) => l.leaf.env));
  const warnings = Object.keys(env)
    .filter((k) => k.startsWith('PODPULSE_') && !known.has(k))
    .map((k) => `environment variable ${k} matches no config key and is ignored`);

  // Each value as convict holds it: its format's coerce already made durations milliseconds.
  const config = buildConfig<AgentConfig>(leafPaths(), get);
  const metricProblems = metricSelectionErrors(config.metrics, warnings);
  const labels = containerLabels(config.metrics.containerLabels);
  if ('error' in labels) metricProblems.push(`metrics.containerLabels: ${labels.error}: value was ${JSON.stringify(config.metrics.containerLabels)}`);
  if (metricProblems.length > 0) throw new ConfigError(metricProblems.join('\n'));
  const tls = tlsErrors(config.export.otlp);
  if (tls.length > 0) throw new ConfigError(tls.join('\n'));
  const { exportTimeoutMaxMs } = cycleBudgets(config.collection.intervalMs);
  if (config.export.otlp.timeoutMs > exportTimeoutMaxMs) {
    // Clamp; say so only if the user chose the timeout (a default longer than a short interval is no news).
    if (parseDuration(conf.default('export.otlp.timeout' as never)) !== config.export.otlp.timeoutMs) warnings.push(
      `export.otlp.timeout (${config.export.otlp.timeoutMs}ms) is longer than collection.interval; using ${exportTimeoutMaxMs}ms`,
    );
    config.export.otlp.timeoutMs = exportTimeoutMaxMs;
  }
  return { config, cli, describe: () => conf.toString(), warnings, secrets: secretValues(get) };
}
