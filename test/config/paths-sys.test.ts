/**
 * paths.sys must show the cgroup hierarchies that mountinfo (under paths.proc) lists. With none of
 * them there, every read would find nothing and the agent would report zero containers without a
 * word; instead it refuses to start, naming paths.sys. Uses the host-v1 fixture's mountinfo.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { removeTree, writeTree } from '../helpers/tmp-tree.js';

const FIXTURE = `${process.cwd()}/test/fixtures/host-v1`;
const CRI_OFF = ['--cri-endpoint', '/nonexistent.sock'];

function agentFor(sys: string, lines: string[] = []): Agent {
  const { config } = loadConfig(['--paths-proc', `${FIXTURE}/proc`, '--paths-sys', sys, '--paths-rootfs', FIXTURE, ...CRI_OFF], {});
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return new Agent({ config, env: {}, log: pino({ level: 'warn' }, sink) });
}

describe('paths.sys without the cgroup mounts', () => {
  let root = '';
  afterEach(() => removeTree(root));

  it('an empty directory is refused naming paths.sys and what is missing', () => {
    root = writeTree({});
    expect(() => agentFor(root)).toThrow(ConfigError);
    expect(() => agentFor(root)).toThrow(
      new RegExp(`^paths\\.sys: value was "${root}": the mountinfo under paths\\.proc lists cgroup mounts but none is there \\(missing ${root}/fs/cgroup/`),
    );
  });

  it('empty mount-point directories (a /sys bound without its submounts) are refused too', () => {
    const cg = Object.fromEntries(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd', 'unified'].map((c) => [c, {}]));
    root = writeTree({ fs: { cgroup: cg } });
    expect(() => agentFor(root)).toThrow(/^paths\.sys: .*none is there/);
  });

  it('some hierarchies missing: starts, and the warning names them', async () => {
    const lines: string[] = [];
    await agentFor(`${FIXTURE}/sys`, lines).stop();
    const warn = lines.map((l) => JSON.parse(l) as { msg: string; missing?: string[] }).find((l) => l.missing);
    expect(warn?.msg).toBe('some cgroup hierarchies listed in mountinfo are not visible under paths.sys; their metrics are absent');
    // The fixture holds cpu, cpuacct, memory, blkio, pids and unified, not the rest.
    expect(warn?.missing).toContain(`${FIXTURE}/sys/fs/cgroup/cpuset`);
    expect(warn?.missing).not.toContain(`${FIXTURE}/sys/fs/cgroup/memory`);
  });
});
