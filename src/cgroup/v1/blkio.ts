import { parseDeviceKey, parseCounter } from '../parse.js';

/**
 * cgroup v1 blkio throttle statistics: blkio.throttle.io_service_bytes(_recursive) and
 * blkio.throttle.io_serviced(_recursive). Same line format for both: bytes or I/O counts per op.
 * https://docs.kernel.org/admin-guide/cgroup-v1/blkio-controller.html
 *   `8:0 Read 1459200\n8:0 Write 314773504\n8:0 Sync 0\n8:0 Async 316232704\n8:0 Discard 0\n8:0 Total 316232704\nTotal 316232704\n`
 *   With no I/O (or blk-throttle never armed for the disk) the whole file is `Total 0\n`.
 */

export interface BlkioThrottleDevice {
  major: number;
  minor: number;
  /** Operation name → value (Read, Write, Sync, Async, Discard, Total, as the kernel spells them). */
  ops: Map<string, number>;
}

/**
 * Parses one blkio.throttle.* file into per-device op values, in file order. The trailing
 * grand-total line (`Total N`, no device) is dropped.
 */
export function parseBlkioThrottle(text: string, file = 'blkio.throttle.io_service_bytes'): BlkioThrottleDevice[] {
  // No `major:minor` anywhere, so no device line (`Total 0\n`, a cgroup without I/O): nothing to split.
  if (!text.includes(':')) return [];
  const byDevice = new Map<string, BlkioThrottleDevice>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3) continue;
    const [key, op, value] = fields as [string, string, string];
    // Device lines only; anything else (the grand total has two fields) is not ours to judge.
    if (!key.includes(':')) continue;
    let device = byDevice.get(key);
    if (device === undefined) {
      const [major, minor] = parseDeviceKey(key, file);
      device = { major, minor, ops: new Map() };
      byDevice.set(key, device);
    }
    device.ops.set(op, parseCounter(value, file));
  }
  return [...byDevice.values()];
}
