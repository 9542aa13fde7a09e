/**
 * Golden outputs: for every fixture root under test/fixtures (a directory with proc/self/mountinfo),
 * the agent's one-shot output, as `podpulse --once --print prometheus` and `--print json` write it,
 * must equal test/__goldens__/<root>.prom and <root>.jsonl byte for byte. Any change in what the
 * agent reports for a known host (a name, a label, a unit, a value, a series more or less) shows up
 * as a diff of these files. Regenerate them on purpose only: `npx vitest run -u test/fixture-goldens.test.ts`.
 *
 * What depends on the clock is pinned or normalised so the files are the same on every run:
 * - start times come from cgroup directory mtimes, which a checkout sets to "now": the root is
 *   copied to a temp dir and every entry gets a fixed mtime (a fixed instant plus an offset derived
 *   from its path, so the earliest-of-several rule still shows in the output);
 * - container_last_seen is the collection's wall clock: checked to lie within the collection, then
 *   written as `<now>`;
 * - podpulse_collection_duration_seconds is checked to be a duration, then written as `<duration>`;
 * - the statfs figures of "/" (container_fs_{usage,limit}_bytes, container_fs_inodes_{total,free} on
 *   id="/") are checked to be counts, then written as `<statfs>`: a fixture's mountinfo may name the
 *   device the temp copy itself lives on (host-v1 was captured on this kind of VM), and then the
 *   agent statfs-es the live filesystem, as it should;
 * - podpulse_build_info's revision, node_version and kernel_version labels are the machine's, written
 *   as `<revision>`, `<node_version>`, `<kernel_version>`.
 * - k8s.node.uptime (semconv) is the clock minus a pinned start: checked to be ≥ 0, written as `<uptime>`.
 *
 * Each root has one golden pair per naming profile (metrics.profile): `<root>.prom/.jsonl` for
 * cadvisor, `<root>.semconv.*` and `<root>.both.*` for the others, and `<root>.opt-in.*` (cadvisor with every
 * opt-in group on).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent.js';
import { loadConfig } from '../src/config/load.js';
import { argName } from '../src/config/schema.js';
import { METRIC_GROUPS_DECLARED } from '../src/metrics/spec.js';
import { toJsonPoints, type JsonPoint } from '../src/export/sdk/json-points.js';
import { renderPrometheusText } from '../src/export/prometheus/text.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const GOLDENS = fileURLToPath(new URL('./__goldens__/', import.meta.url));
/**
 * 2026-11-27T17:34:00Z: with the offsets below (up to 5 minutes) every pinned mtime lies between
 * host-v1's boot (btime 1795800803, 17:33:23Z) and its capture (17:39:18Z).
 */
const MTIME_BASE_S = 1_795_800_840;

/** Metrics whose value is the wall clock or a duration, and the token written in their place. */
const CLOCK_VALUES: ReadonlyMap<string, '<now>' | '<duration>' | '<uptime>'> = new Map([
  ['container_last_seen', '<now>'],
  ['podpulse_collection_duration_seconds', '<duration>'],
  ['k8s.node.uptime', '<uptime>'],
  ['k8s_node_uptime_seconds', '<uptime>'],
]);

const PROFILES = ['cadvisor', 'semconv', 'both'] as const;
type ProfileName = (typeof PROFILES)[number];
const suffix = (profile: ProfileName): string => (profile === 'cadvisor' ? '' : `.${profile}`);

const roots = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, 'proc/self/mountinfo')))
  .map((d) => d.name)
  .sort();

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/**
 * The base plus up to 5 minutes derived from REL, in whole seconds: every Linux filesystem stores
 * those exactly, while sub-second mtimes would round differently from one to another.
 */
function pinnedMtime(rel: string): number {
  return MTIME_BASE_S + (createHash('sha256').update(rel).digest().readUInt32BE(0) % 300);
}

/** Copies fixture ROOT to a temp dir and gives every entry (the top included) its pinned mtime. */
function pinnedCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), `podpulse-golden-${root}-`));
  copies.push(dir);
  cpSync(join(FIXTURES, root), dir, { recursive: true });
  // Setting an entry's times does not touch its directory's, so the order does not matter.
  const entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  for (const rel of ['.', ...entries]) {
    const t = pinnedMtime(rel);
    utimesSync(join(dir, rel), t, t);
  }
  return dir;
}

interface Output {
  text: string;
  points: JsonPoint[];
  startedMs: number;
  endedMs: number;
}

/** `--metrics-groups-<group> true` for every group that is off by default: the `.opt-in` goldens. */
const OPT_IN_ARGS = Object.entries(METRIC_GROUPS_DECLARED)
  .filter(([, g]) => !g.on)
  .flatMap(([group]) => [`--metrics-groups-${argName(group)}`, 'true']);

/** What `--once --print …` computes: one collection of the agent pointed at the root. */
async function collect(dir: string, profile: ProfileName = 'cadvisor', extraArgs: readonly string[] = []): Promise<Output> {
  const { config } = loadConfig(['--paths-proc', `${dir}/proc`, '--paths-sys', `${dir}/sys`, '--paths-rootfs', dir, '--metrics-profile', profile, ...extraArgs], {});
  const agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
  const startedMs = Date.now();
  const rm = await agent.collectOnce();
  const endedMs = Date.now();
  return { text: renderPrometheusText(rm), points: toJsonPoints(rm), startedMs, endedMs };
}

/** Values of "/" that come from statfs of a live filesystem. */
const STATFS_VALUES: ReadonlySet<string> = new Set(['container_fs_usage_bytes', 'container_fs_limit_bytes', 'container_fs_inodes_total', 'container_fs_inodes_free']);
const BUILD_LABELS = ['revision', 'node_version', 'kernel_version'] as const;

/** The token a metric's value is written as (its name, and whether it is on id="/"), after checking the value. */
function liveToken(name: string, onRoot: boolean, value: number, out: Output): string | undefined {
  const clock = CLOCK_VALUES.get(name);
  if (clock !== undefined) {
    checkClockValue(name, value, out);
    return clock;
  }
  if (onRoot && STATFS_VALUES.has(name)) {
    expect(Number.isInteger(value) && value >= 0, `${name} ${value}`).toBe(true);
    return '<statfs>';
  }
  return undefined;
}

/** Checks a clock-dependent value is plausible before it is replaced by its token. */
function checkClockValue(name: string, value: number, out: Output): void {
  if (CLOCK_VALUES.get(name) === '<uptime>') {
    expect(value, name).toBeGreaterThanOrEqual(0);
  } else if (CLOCK_VALUES.get(name) === '<now>') {
    // Whole milliseconds of Date.now(), so the bounds are exact.
    expect(value * 1000, name).toBeGreaterThanOrEqual(out.startedMs);
    expect(value * 1000, name).toBeLessThanOrEqual(out.endedMs);
  } else {
    expect(value, name).toBeGreaterThanOrEqual(0);
    expect(value * 1000, name).toBeLessThanOrEqual(out.endedMs - out.startedMs + 1);
  }
}

/** The Prometheus text with clock values checked and replaced by their tokens. */
function normaliseText(out: Output): string {
  let replaced = 0;
  const lines = out.text.split('\n').map((line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (m === null) return line;
    if (m[1] === 'podpulse_build_info') return BUILD_LABELS.reduce((l, k) => l.replace(new RegExp(`${k}="[^"]*"`), `${k}="<${k}>"`), line);
    const token = liveToken(m[1] as string, (m[2] ?? '').includes('id="/"'), Number(m[3]), out);
    if (token === undefined) return line;
    if (CLOCK_VALUES.has(m[1] as string)) replaced++;
    return `${m[1]}${m[2] ?? ''} ${token}`;
  });
  expect(replaced, 'clock-dependent samples in the text').toBeGreaterThan(0);
  return lines.join('\n');
}

/** One JSON point a line, sorted (collection order follows readdir order, which is the filesystem's). */
function normalisePoints(out: Output): string {
  const lines = out.points.map((p) => {
    if (p.name === 'podpulse_build_info') return JSON.stringify({ ...p, attributes: { ...p.attributes, ...Object.fromEntries(BUILD_LABELS.map((k) => [k, `<${k}>`])) } });
    const token = liveToken(p.name, p.attributes.id === '/', p.value, out);
    if (token === undefined) return JSON.stringify(p);
    return JSON.stringify({ ...p, value: token });
  });
  return lines.sort().join('\n') + '\n';
}

describe('golden outputs per fixture root (update on purpose with vitest -u)', () => {
  it('finds the fixture roots', () => {
    expect(roots).toEqual(expect.arrayContaining(['cgroup-v2', 'host-v1', 'host-v1-optin']));
  });

  describe.each(roots.flatMap((root) => PROFILES.map((profile) => [root, profile] as const)))('%s, profile %s', (root, profile) => {
    it('--print prometheus equals the golden', async () => {
      const out = await collect(pinnedCopy(root), profile);
      await expect(normaliseText(out)).toMatchFileSnapshot(join(GOLDENS, `${root}${suffix(profile)}.prom`));
    });

    it('--print json equals the golden', async () => {
      const out = await collect(pinnedCopy(root), profile);
      await expect(normalisePoints(out)).toMatchFileSnapshot(join(GOLDENS, `${root}${suffix(profile)}.jsonl`));
    });

    it('is the same from another copy at another time (nothing else depends on the clock or the path)', async () => {
      const a = await collect(pinnedCopy(root), profile);
      await new Promise((r) => setTimeout(r, 5));
      const b = await collect(pinnedCopy(root), profile);
      expect(normaliseText(b)).toBe(normaliseText(a));
      expect(normalisePoints(b)).toBe(normalisePoints(a));
    });
  });

  describe.each(roots)('%s, profile cadvisor, every opt-in group on', (root) => {
    it('--print prometheus with every opt-in group on equals the .opt-in golden', async () => {
      const out = await collect(pinnedCopy(root), 'cadvisor', OPT_IN_ARGS);
      await expect(normaliseText(out)).toMatchFileSnapshot(join(GOLDENS, `${root}.opt-in.prom`));
    });

    it('--print json with every opt-in group on equals the .opt-in golden', async () => {
      const out = await collect(pinnedCopy(root), 'cadvisor', OPT_IN_ARGS);
      await expect(normalisePoints(out)).toMatchFileSnapshot(join(GOLDENS, `${root}.opt-in.jsonl`));
    });

    it('is the same from another copy at another time', async () => {
      const optA = await collect(pinnedCopy(root), 'cadvisor', OPT_IN_ARGS);
      const optB = await collect(pinnedCopy(root), 'cadvisor', OPT_IN_ARGS);
      expect(normalisePoints(optB)).toBe(normalisePoints(optA));
    });
  });
});
