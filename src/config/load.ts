import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { catalog } from '../metrics/catalog.js';
import type { MetricGroup } from '../metrics/spec.js';
import { allFormats, formatDuration, parseDuration, parseHeaders } from './formats.js';
import { parsePem, readPemFile } from './pem.js';
import { argName, leafPaths, schema, type SchemaLeaf } from './schema.js';
import { maskUrlCredentials } from './secrets.js';

export type PrintFormat = 'prometheus' | 'json';

export interface AgentConfig {
  collection: { intervalMs: number; maxOpenFiles: number };
  paths: { proc: string; sys: string; rootfs: string };
  discovery: { cgroupParents: string[]; maxDepth: number; maxCgroups: number };
  cri: { endpoint: string; timeoutMs: number; statsTimeoutMs: number };
  export: {
    otlp: {
      endpoint: string;
      headers: Record<string, string>;
      timeoutMs: number;
      replaySnapshots: number;
      tls: { ca: string; cert: string; key: string; insecure: boolean };
    };
    prometheus: { enabled: boolean; host: string; port: number };
  };
  resource: { serviceName: string; serviceInstanceId: string; attributes: Record<string, string> };
  metrics: { profile: 'cadvisor'; groups: Record<MetricGroup, boolean>; disabled: string[] };
  log: { level: string };
}

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
}

function ensureFormats(): void {
  // convict keeps formats in its own process-wide registry; registering again only replaces them.
  for (const f of allFormats) convict.addFormat(f);
}

const OWN_FLAGS = ['config', 'once', 'print', 'print-config', 'help', 'version'];

/**
 * Splits argv into podpulse's own flags and per-key settings ([key path, value as given]). Values are
 * applied with convict's set(), not its argv parser: that parser reads "--collection-interval -5s" as
 * two flags and reports the value as "true".
 */
export function parseArgv(argv: readonly string[]): { cli: CliOptions; keyFlags: [string, string][] } {
  const keyArgs = new Map(leafPaths().map((l) => [argName(l.path), l.path]));
  const cli: CliOptions = { once: false, printConfig: false, help: false, version: false };
  const keyFlags: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-h') {
      cli.help = true;
      continue;
    }
    if (!token.startsWith('--')) throw new ConfigError(`unexpected argument "${token}" (flags start with --; see --help)`);
    const eq = token.indexOf('=');
    const flag = token.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`flag --${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case 'config':
        cli.configFile = takeValue();
        break;
      case 'once':
        cli.once = true;
        break;
      case 'print': {
        const v = takeValue();
        if (v !== 'prometheus' && v !== 'json') {
          throw new ConfigError(`flag --print: value was "${v}"; allowed: prometheus, json`);
        }
        cli.print = v;
        break;
      }
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
        const keyPath = keyArgs.get(flag);
        if (keyPath === undefined) {
          throw new ConfigError(`unknown flag --${flag}; allowed: ${[...OWN_FLAGS, ...keyArgs.keys()].map((f) => '--' + f).join(', ')}`);
        }
        keyFlags.push([keyPath, takeValue()]);
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

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** Where the effective value of each key came from, as the user wrote it (for messages). */
function givenValue(path: string, leaf: SchemaLeaf, file: unknown, env: NodeJS.ProcessEnv, keyFlags: [string, string][]): unknown {
  const flag = keyFlags.filter(([k]) => k === path).pop();
  if (flag) return flag[1];
  if (leaf.env && env[leaf.env] !== undefined) return env[leaf.env];
  let v: unknown = file;
  for (const seg of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v ?? leaf.default;
}

/** `<key>: must be between <min> and <max>: value was <given>` for every key outside its bounds. */
function boundsErrors(get: (key: string) => unknown, given: (path: string, leaf: SchemaLeaf) => unknown): string[] {
  const lines: string[] = [];
  for (const { path, leaf } of leafPaths()) {
    if (leaf.min === undefined && leaf.max === undefined) continue;
    const isDuration = leaf.format === 'duration-ms';
    const toNumber = (b: number | string): number => (isDuration ? parseDuration(b) : Number(b));
    const show = (n: number): string => (isDuration ? formatDuration(n) : String(n));
    const raw = get(path);
    let value: number;
    try {
      value = isDuration ? parseDuration(raw) : (raw as number);
    } catch {
      continue; // its format error is reported already
    }
    if (typeof value !== 'number') continue;
    const min = leaf.min === undefined ? undefined : toNumber(leaf.min);
    const max = leaf.max === undefined ? undefined : toNumber(leaf.max);
    if ((min === undefined || value >= min) && (max === undefined || value <= max)) continue;
    const allowed =
      min !== undefined && max !== undefined ? `between ${show(min)} and ${show(max)}` : min !== undefined ? `at least ${show(min)}` : `at most ${show(max as number)}`;
    lines.push(`${path}: must be ${allowed}: value was ${JSON.stringify(given(path, leaf))}`);
  }
  return lines;
}

/**
 * TLS settings only mean something for an https:// endpoint; silently ignoring them would send
 * headers in clear text while the user believes TLS is on. The files are read here so a missing or
 * wrong one is a configuration error (exit 2) naming the key and the file, not a failure later.
 */
function tlsErrors(otlp: AgentConfig['export']['otlp']): string[] {
  if (otlp.endpoint === '') return [];
  const files = (['ca', 'cert', 'key'] as const).filter((k) => otlp.tls[k] !== '');
  const set = [...files.map((k) => `export.otlp.tls.${k}`), ...(otlp.tls.insecure ? ['export.otlp.tls.insecure'] : [])];
  if (new URL(otlp.endpoint).protocol === 'http:') {
    return set.map((k) => `${k}: only applies to an https:// endpoint, but export.otlp.endpoint is http:// (plaintext): use https:// or remove ${k}`);
  }
  if (otlp.tls.insecure && files.length > 0) {
    return [`export.otlp.tls.insecure: turns TLS off, so ${files.map((k) => `export.otlp.tls.${k}`).join(', ')} would be ignored: remove one or the other`];
  }
  if ((otlp.tls.cert === '') !== (otlp.tls.key === '')) {
    return ['export.otlp.tls.cert and export.otlp.tls.key must be set together (mTLS)'];
  }
  const lines: string[] = [];
  let cert: X509Certificate | undefined;
  let privateKey: KeyObject | undefined;
  for (const k of files) {
    const key = `export.otlp.tls.${k}`;
    try {
      if (k === 'key') privateKey = parsePem(key, otlp.tls.key, 'private key', readPemFile(key, otlp.tls.key, 'private key'));
      else {
        const parsed = parsePem(key, otlp.tls[k], 'certificate', readPemFile(key, otlp.tls[k], 'certificate'));
        if (k === 'cert') cert = parsed;
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      lines.push(err.message);
    }
  }
  if (cert && privateKey && !cert.checkPrivateKey(privateKey)) {
    lines.push(`export.otlp.tls.key: ${otlp.tls.key} is not the key of the certificate in export.otlp.tls.cert (${otlp.tls.cert})`);
  }
  return lines;
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
      problems.push(m?.[1] ? unknownKeyLine(m[1], conf.getProperties()) : line);
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

  const metricNames = new Set(catalog.map((m) => m.name));
  const disabled = get('metrics.disabled') as string[];
  for (const name of disabled) {
    if (!metricNames.has(name)) throw new ConfigError(`metrics.disabled: value was "${name}"; allowed: metric names listed in docs/metrics.md`);
  }
  const config: AgentConfig = {
    collection: { intervalMs: parseDuration(get('collection.interval')), maxOpenFiles: get('collection.maxOpenFiles') as number },
    paths: { proc: get('paths.proc') as string, sys: get('paths.sys') as string, rootfs: get('paths.rootfs') as string },
    discovery: {
      cgroupParents: get('discovery.cgroupParents') as string[],
      maxDepth: get('discovery.maxDepth') as number,
      maxCgroups: get('discovery.maxCgroups') as number,
    },
    cri: {
      endpoint: get('cri.endpoint') as string,
      timeoutMs: parseDuration(get('cri.timeout')),
      statsTimeoutMs: parseDuration(get('cri.statsTimeout')),
    },
    export: {
      otlp: {
        endpoint: get('export.otlp.endpoint') as string,
        headers: parseHeaders(get('export.otlp.headers')),
        timeoutMs: parseDuration(get('export.otlp.timeout')),
        replaySnapshots: get('export.otlp.replaySnapshots') as number,
        tls: {
          ca: get('export.otlp.tls.ca') as string,
          cert: get('export.otlp.tls.cert') as string,
          key: get('export.otlp.tls.key') as string,
          insecure: get('export.otlp.tls.insecure') as boolean,
        },
      },
      prometheus: {
        enabled: get('export.prometheus.enabled') as boolean,
        host: get('export.prometheus.host') as string,
        port: get('export.prometheus.port') as number,
      },
    },
    resource: {
      serviceName: get('resource.service.name') as string,
      serviceInstanceId: get('resource.service.instance.id') as string,
      attributes: get('resource.attributes') as Record<string, string>,
    },
    metrics: {
      profile: get('metrics.profile') as 'cadvisor',
      groups: get('metrics.groups') as Record<MetricGroup, boolean>,
      disabled,
    },
    log: { level: get('log.level') as string },
  };
  const tls = tlsErrors(config.export.otlp);
  if (tls.length > 0) throw new ConfigError(tls.join('\n'));
  if (config.export.otlp.timeoutMs > config.collection.intervalMs) {
    // An export must end before the next cycle starts. Clamp; say so only if the user chose the timeout.
    if (parseDuration(conf.default('export.otlp.timeout' as never)) !== config.export.otlp.timeoutMs) warnings.push(
      `export.otlp.timeout (${config.export.otlp.timeoutMs}ms) is longer than collection.interval; using ${config.collection.intervalMs}ms`,
    );
    config.export.otlp.timeoutMs = config.collection.intervalMs;
  }
  return { config, cli, describe: () => conf.toString(), warnings };
}
