import { parseDeviceKey, parseNestedKeyed, parseCounter } from '../parse.js';

/**
 * cgroup v2 io.stat (nested keyed, one line per device with I/O; empty when there was none).
 * https://docs.kernel.org/admin-guide/cgroup-v2.html#io-interface-files
 *   `8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0`
 *   `8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021`
 * dbytes/dios are newer; iocost adds cost.* keys. Only the four podpulse uses are kept.
 */

export interface IoStatDevice {
  major: number;
  minor: number;
  rbytes?: number;
  wbytes?: number;
  rios?: number;
  wios?: number;
}

const IO_STAT_KEYS = ['rbytes', 'wbytes', 'rios', 'wios'] as const;

export function parseIoStat(text: string): IoStatDevice[] {
  const out: IoStatDevice[] = [];
  for (const line of parseNestedKeyed(text)) {
    const [major, minor] = parseDeviceKey(line.key, 'io.stat');
    const device: IoStatDevice = { major, minor };
    for (const key of IO_STAT_KEYS) {
      const token = line.fields.get(key);
      if (token !== undefined) device[key] = parseCounter(token, 'io.stat');
    }
    out.push(device);
  }
  return out;
}
