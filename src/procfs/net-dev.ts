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
    const fast = kernelCounters(line, colon + 1, name);
    if (fast !== undefined) {
      out.push(fast);
      continue;
    }
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
 * The counters after the colon as the kernel prints them (dev_seq_printf_stats: 16 `%llu` separated by
 * spaces, nothing else), each of at most 15 digits so that it is exact as a number, read without
 * splitting the line; undefined for anything else, which parseNetDev then splits and checks.
 */
function kernelCounters(line: string, from: number, name: string): NetDevInterface | undefined {
  const values: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = from; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 32) {
      if (digits > 15) return undefined;
      if (digits > 0) values.push(value);
      value = 0;
      digits = 0;
    } else return undefined;
  }
  if (values.length !== COLUMNS.length) return undefined;
  return {
    name,
    rxBytes: values[0]!,
    rxPackets: values[1]!,
    rxErrs: values[2]!,
    rxDrop: values[3]!,
    rxFifo: values[4]!,
    rxFrame: values[5]!,
    rxCompressed: values[6]!,
    rxMulticast: values[7]!,
    txBytes: values[8]!,
    txPackets: values[9]!,
    txErrs: values[10]!,
    txDrop: values[11]!,
    txFifo: values[12]!,
    txColls: values[13]!,
    txCarrier: values[14]!,
    txCompressed: values[15]!,
  };
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
