/**
 * `podpulse ps`: every process of each container, grouped by pod and container, from the cgroup's
 * cgroup.procs and /proc/<pid>/{stat,status,cmdline}. %CPU is measured over a short sample (two
 * reads of stat), like top's first screen, not since the process started as ps(1) does.
 */
import { join } from 'node:path';
import type { CgroupLayout } from '../cgroup/layout.js';
import { MAX_PIDS_READ, readCgroupProcesses, readProcessDetail, USER_HZ, type ProcessDetail } from '../collection/processes.js';
import type { Target } from '../discovery/target.js';
import { GoneError } from '../errors.js';
import type { FileReader } from '../fs/file-reader.js';
import { readBootTime } from '../procfs/boot-time.js';
import { cmdlineText } from '../procfs/pid-cmdline.js';
import { ProcFs, readPidStat } from '../procfs/proc-fs.js';
import type { Command } from './command.js';
import { durationFlag } from './duration-flag.js';
import { bytes, isoTime, table } from './format.js';
import { byPodThenContainer, discoverPods, filterOf, kindOf, selectTargets } from './select.js';

export interface PsProcess extends Omit<ProcessDetail, 'argv'> {
  user: string;
  /** CPU used over the sample, in cores (1 = one full core); undefined for a process that started during it. */
  cpuCores?: number;
  command: string;
  cgroup: string;
}

export interface PsContainer {
  namespace: string;
  pod: string;
  container: string;
  id: string;
  cgroup: string;
  processes: PsProcess[];
}

export const psCommand: Command = {
  name: 'ps',
  summary: 'processes of each container, grouped by pod and container (pid, user, %CPU, RSS, command line)',
  usage: 'ps [--pod NAME] [--namespace NS] [--container NAME] [--interval 500ms] [--json]',
  flags: { pod: 'string', namespace: 'string', container: 'string', interval: 'string', json: 'boolean' },
  positionals: [],
  async run(ctx) {
    const sampleMs = durationFlag('interval', ctx.args.values.interval, 500, 100, 10_000);
    const filter = filterOf(ctx.args.values);
    const agent = ctx.agent();
    const { targets } = await discoverPods(agent, ctx.config.cri.endpoint);
    const selected = selectTargets(targets, filter)
      .filter((t) => kindOf(t.identity) === 'container')
      .sort((a, b) => byPodThenContainer(a.identity, b.identity));
    const result = await psOf(selected, { layout: agent.layout, reader: agent.reader, procRoot: agent.roots.procRoot, sampleMs, sleep: ctx.sleep, warn: (m) => ctx.log.warn(m) });
    ctx.out.write(ctx.args.values.json === true ? JSON.stringify({ containers: result }, null, 2) + '\n' : psText(result));
    return 0;
  },
};

export interface PsDeps {
  layout: CgroupLayout;
  reader: FileReader;
  procRoot: string;
  sampleMs: number;
  sleep(ms: number): Promise<void>;
  /** A process whose files could not be read or parsed (not one that exited): said on stderr, left out. */
  warn(message: string): void;
}

/** The processes of `targets`, with CPU measured between two reads `sampleMs` apart. */
export async function psOf(targets: readonly Target[], deps: PsDeps): Promise<PsContainer[]> {
  const proc = new ProcFs(deps.procRoot);
  const bootTimeSeconds = readBootTime(proc, deps.reader);
  const users = new Map<string, string>();
  const first = new Map<Target, ProcessDetail[]>();
  for (const t of targets) {
    try {
      const read = readCgroupProcesses(deps.layout, t.cgroupPath, deps.reader, (pid) => readProcessDetail(proc, pid, deps.reader, { userHz: USER_HZ, bootTimeSeconds }));
      for (const f of read.failures) deps.warn(`${t.identity.pod}/${t.identity.container}: ${f.path}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
      if (read.truncated) deps.warn(`${t.identity.pod}/${t.identity.container}: more than ${MAX_PIDS_READ} processes; the first ${MAX_PIDS_READ} are shown`);
      first.set(t, read.processes);
    } catch (err) {
      if (!(err instanceof GoneError)) throw err;
    }
  }
  const startedAt = performance.now();
  await deps.sleep(deps.sampleMs);
  const cpuNow = new Map<number, number>();
  for (const list of first.values()) {
    for (const p of list) {
      try {
        const st = readPidStat(proc, p.pid, deps.reader);
        // A pid that was reused by a new process during the sample has another start time.
        if (st.starttimeTicks / USER_HZ + bootTimeSeconds === p.startTimeSeconds) cpuNow.set(p.pid, (st.utimeTicks + st.stimeTicks) / USER_HZ);
      } catch (err) {
        if (!(err instanceof GoneError)) throw err;
      }
    }
  }
  const elapsed = (performance.now() - startedAt) / 1000;
  const out: PsContainer[] = [];
  for (const [t, list] of first) {
    out.push({
      namespace: t.identity.namespace,
      pod: t.identity.pod,
      container: t.identity.container,
      id: t.identity.name,
      cgroup: t.cgroupPath,
      processes: list.map(({ argv, ...p }) => {
        const after = cpuNow.get(p.pid);
        const row: PsProcess = { ...p, user: userName(proc, p.pid, p.uid, deps.reader, users), command: argv.length > 0 ? cmdlineText(argv) : `[${p.comm}]`, cgroup: t.cgroupPath };
        if (after !== undefined) row.cpuCores = Math.max(0, after - p.cpuSeconds) / elapsed;
        return row;
      }),
    });
  }
  return out;
}

/**
 * The uid's name in the container's own /etc/passwd (through /proc/<pid>/root, as the process sees
 * it), else the number: the host's passwd says nothing about a container's users.
 */
function userName(proc: ProcFs, pid: number, uid: number, reader: FileReader, cache: Map<string, string>): string {
  const path = join(proc.path(pid, 'root'), 'etc', 'passwd');
  const key = `${pid}:${uid}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let name = String(uid);
  try {
    for (const line of (reader.readOptional(path) ?? '').split('\n')) {
      const [user, , id] = line.split(':');
      if (user && id === String(uid)) {
        name = user;
        break;
      }
    }
  } catch {
    // Unreadable (not root, or the process exited): the number it is.
  }
  cache.set(key, name);
  return name;
}

export function psText(containers: readonly PsContainer[]): string {
  if (containers.length === 0) return 'no running containers\n';
  const parts: string[] = [];
  for (const c of containers) {
    parts.push(`${c.namespace}/${c.pod}  container ${c.container}  id ${c.id.slice(0, 13)}  cgroup ${c.cgroup}\n`);
    parts.push(
      table(
        ['PID', 'PPID', 'USER', 'S', '%CPU', 'RSS', 'VSZ', 'THR', 'START', 'COMMAND'],
        c.processes.map((p) => [
          String(p.pid),
          String(p.ppid),
          p.user,
          p.state,
          p.cpuCores === undefined ? '-' : (p.cpuCores * 100).toFixed(1),
          bytes(p.rssBytes),
          bytes(p.vszBytes),
          String(p.threads),
          isoTime(p.startTimeSeconds),
          p.command,
        ]),
      ),
    );
    parts.push('\n');
  }
  return parts.join('').replace(/\n\n$/, '\n');
}
