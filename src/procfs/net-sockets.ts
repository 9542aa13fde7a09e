import { ParseError } from '../errors.js';
import { fields } from './numbers.js';

/**
 * /proc/<pid>/net/{tcp,tcp6,udp,udp6}: one line per socket of the network namespace `pid` lives in,
 * after a header line.
 *
 * Kernel doc: https://docs.kernel.org/networking/proc_net_tcp.html
 *
 * ```
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41727 1 …
 * ```
 * udp lines end with `ref pointer drops` (13 fields). `st` is the kernel's TCP state number in hex
 * (include/net/tcp_states.h); UDP sockets show 07 (TCP_CLOSE) or 01 (connected).
 */

/** cAdvisor's tcp_state label values, indexed by the kernel's state number (01 … 0B). */
export const TCP_STATES = [
  'established',
  'synsent',
  'synrecv',
  'finwait1',
  'finwait2',
  'timewait',
  'close',
  'closewait',
  'lastack',
  'listen',
  'closing',
] as const;
export type TcpState = (typeof TCP_STATES)[number];
export type TcpStateCounts = Record<TcpState, number>;

const HEX = /^[0-9A-Fa-f]+$/;

function socketLines(text: string, file: string): string[][] {
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  if (!/^\s*sl\s/.test(header)) throw new ParseError(file, `no "sl" header line: ${JSON.stringify(header.slice(0, 40))}`);
  const out: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = fields(lines[i]!);
    if (f.length === 0) continue;
    if (f.length < 10 || !f[0]!.endsWith(':')) throw new ParseError(file, `line ${i + 1}: not a socket line`);
    out.push(f);
  }
  return out;
}

/**
 * Sockets per TCP state. Every one of the eleven states is present (0 when none). A state number the
 * table does not name (a newer kernel's) is not counted; a state that is not hex is malformed.
 */
export function parseTcpStates(text: string, file = '/proc/<pid>/net/tcp'): TcpStateCounts {
  const counts = Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as TcpStateCounts;
  for (const f of socketLines(text, file)) {
    const st = f[3]!;
    if (!HEX.test(st)) throw new ParseError(file, `state not hex: ${JSON.stringify(st)}`);
    const name = TCP_STATES[parseInt(st, 16) - 1];
    if (name !== undefined) counts[name]++;
  }
  return counts;
}

export interface UdpCounts {
  /** Every UDP socket (cAdvisor calls the count "listen", whatever the socket's state). */
  listen: number;
  /** Sum of the per-socket `drops` column. */
  dropped: number;
  /** Sum of rx_queue (bytes waiting to be read). */
  rxQueued: number;
  /** Sum of tx_queue (bytes waiting to be sent). */
  txQueued: number;
}

/**
 * UDP socket counts. Field 5 is `tx_queue:rx_queue` in hex, the last field is drops (decimal).
 * Note: cAdvisor scans that field as `rx:tx`, so its rxqueued shows tx_queue and the other way
 * round; this parser follows the kernel's order.
 */
export function parseUdpCounts(text: string, file = '/proc/<pid>/net/udp'): UdpCounts {
  const out: UdpCounts = { listen: 0, dropped: 0, rxQueued: 0, txQueued: 0 };
  for (const f of socketLines(text, file)) {
    out.listen++;
    const queues = /^([0-9A-Fa-f]+):([0-9A-Fa-f]+)$/.exec(f[4]!);
    if (queues === null) throw new ParseError(file, `tx_queue:rx_queue not hex: ${JSON.stringify(f[4])}`);
    out.txQueued += parseInt(queues[1]!, 16);
    out.rxQueued += parseInt(queues[2]!, 16);
    if (f.length >= 13) {
      const drops = f[12]!;
      if (!/^\d+$/.test(drops)) throw new ParseError(file, `drops not a number: ${JSON.stringify(drops)}`);
      out.dropped += Number(drops);
    }
  }
  return out;
}
