import { describe, expect, it } from 'vitest';
import type { ContainerSample } from '../../src/collection/sample.js';
import { catalog } from '../../src/metrics/catalog.js';
import type { ContainerMetricSpec } from '../../src/metrics/spec.js';
import { SelfStats } from '../../src/telemetry/self-stats.js';

const row = (name: string) => catalog.find((s) => s.name === name) as ContainerMetricSpec;
const identity = { id: '/', name: '', image: '', container: '', pod: '', namespace: '' };

describe('process, cpuLoad and "/" disk rows', () => {
  it('emit cAdvisor\'s labels: four task states (no iowaiting), ulimit="max_open_files"', () => {
    const s: ContainerSample = {
      identity,
      process: { taskStates: { running: 2, sleeping: 5, stopped: 1, uninterruptible: 0 }, maxOpenFilesSoft: -1, fileDescriptors: 9, sockets: 2, loadAverage10sMilli: 1999 },
    };
    expect(row('container_tasks_state').points(s)).toEqual([
      { value: 5, attributes: { state: 'sleeping' } },
      { value: 2, attributes: { state: 'running' } },
      { value: 1, attributes: { state: 'stopped' } },
      { value: 0, attributes: { state: 'uninterruptible' } },
    ]);
    expect(row('container_ulimits_soft').points(s)).toEqual([{ value: -1, attributes: { ulimit: 'max_open_files' } }]);
    expect(row('container_file_descriptors').points(s)).toEqual([{ value: 9 }]);
    expect(row('container_sockets').points(s)).toEqual([{ value: 2 }]);
    expect(row('container_cpu_load_average_10s').points(s)).toEqual([{ value: 1999 }]);
    expect(row('container_cpu_load_d_average_10s').points(s)).toEqual([]);
  });

  it('container_threads falls back to the task count only where pids.current is absent', () => {
    expect(row('container_threads').points({ identity, cgroup: { pids: { current: 7 } }, process: { tasks: 9 } })).toEqual([{ value: 7 }]);
    expect(row('container_threads').points({ identity, cgroup: {}, process: { tasks: 9 } })).toEqual([{ value: 9 }]);
  });

  it('adds the diskstats of "/" after the cgroup\'s disks, never twice for one device label', () => {
    const s: ContainerSample = {
      identity,
      cgroup: { io: [{ major: 254, minor: 0, device: '/dev/vda', reads: 100 }] },
      rootDiskIo: [
        { device: '/dev/vda', reads: 7, readSeconds: 1.5 },
        { device: '/dev/vdb1', reads: 8, readSeconds: 2.5 },
      ],
    };
    expect(row('container_fs_reads_total').points(s)).toEqual([
      { value: 100, attributes: { device: '/dev/vda' } },
      { value: 8, attributes: { device: '/dev/vdb1' } },
    ]);
    // No cgroup source for these: every filesystem is reported.
    expect(row('container_fs_read_seconds_total').points(s)).toEqual([
      { value: 1.5, attributes: { device: '/dev/vda' } },
      { value: 2.5, attributes: { device: '/dev/vdb1' } },
    ]);
  });

  it('scrape errors are absent until known, then 0 or 1; build info is 1 with its labels', () => {
    const stats = new SelfStats();
    const agent = (name: string) => catalog.find((s) => s.name === name && s.entity === 'agent');
    const pts = (name: string) => {
      const spec = agent(name);
      return spec?.entity === 'agent' ? spec.points(stats) : undefined;
    };
    expect(pts('container_scrape_error')).toEqual([]);
    stats.recordScrapeErrors({ container: true, machine: false });
    expect(pts('container_scrape_error')).toEqual([{ value: 1 }]);
    expect(pts('machine_scrape_error')).toEqual([{ value: 0 }]);
    const info = pts('podpulse_build_info');
    expect(info).toHaveLength(1);
    expect(info?.[0]?.value).toBe(1);
    expect(Object.keys(info?.[0]?.attributes ?? {}).sort()).toEqual(['kernel_version', 'node_version', 'revision', 'version']);
    expect(info?.[0]?.attributes?.node_version).toBe(process.version);
  });
});
