import { ParseError } from '../errors.js';
import { fields, parseUnsigned } from './numbers.js';

/** Counters of one interface in /proc/<pid>/net/dev, cumulative since the device was created. */
export interface NetDevInterface {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  rxFifo: number;
  rxFrame: number;
  rxCompressed: number;
  rxMulticast: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
  txFifo: number;
  txColls: number;
  txCarrier: number;
  txCompressed: number;
}

type Counter = Exclude<keyof NetDevInterface, 'name'>;

const COLUMNS: readonly Counter[] = [
  'rxBytes',
  'rxPackets',
  'rxErrs',
  'rxDrop',
  'rxFifo',
  'rxFrame',
  'rxCompressed',
  'rxMulticast',
  'txBytes',
  'txPackets',
  'txErrs',
  'txDrop',
  'txFifo',
  'txColls',
  'txCarrier',
  'txCompressed',
];

/**
 * Parse /proc/<pid>/net/dev (the network namespace of that pid; /proc/net/dev is /proc/self/net/dev).
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/networking/statistics.html#procfs
 * (format: net/core/net-procfs.c, dev_seq_printf_stats)
 *
 * ```
 * Inter-|   Receive                                                |  Transmit
 *  face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
 *   eth0: 169995112    5310    0    0    0     0          0         0   407541    3383    0    0    0     0       0          0
 * ```
 * The name is padded to 6 columns and the first counter is not separated from the `:` once it
 * outgrows its width (`  eth0:1699951120 …`), so we cut at the first `:` (interface names cannot
 * contain one) rather than splitting on spaces. Lines without `:` (the two headers) are skipped.
 * Byte counters are u64 and pass 2^32 within hours; fewer than 16 counters throws ParseError.
 */
export function parseNetDev(text: string, file = '/proc/<pid>/net/dev'): NetDevInterface[] {
  const out: NetDevInterface[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === '') throw new ParseError(file, `empty interface name in ${JSON.stringify(line)}`);
    const f = fields(line.slice(colon + 1));
    if (f.length < COLUMNS.length) {
      throw new ParseError(file, `${name}: expected ${COLUMNS.length} counters, got ${f.length}`);
    }
    const iface = { name } as NetDevInterface;
    for (let i = 0; i < COLUMNS.length; i++) {
      const column = COLUMNS[i]!;
      iface[column] = parseUnsigned(f[i], file, `${name} ${column}`);
    }
    out.push(iface);
  }
  return out;
}

/**
 * Interface name prefixes cAdvisor leaves out of container network stats: loopback, the host
 * side of veth pairs, and the bridges of docker and nerdctl.
 */
export const IGNORED_INTERFACE_PREFIXES: readonly string[] = ['lo', 'veth', 'docker', 'nerdctl'];

/**
 * True when cAdvisor would skip this interface: a case-insensitive prefix match, so `lo` also
 * drops `loop0` and `Docker0` is dropped like `docker0`. Prefixes are expected in lowercase.
 */
export function isIgnoredInterface(name: string, prefixes: readonly string[] = IGNORED_INTERFACE_PREFIXES): boolean {
  const lower = name.toLowerCase();
  return prefixes.some((p) => lower.startsWith(p));
}
