import type { FileReader } from '../fs/file-reader.js';
import { parseTcpStates, parseUdpCounts, type TcpStateCounts, type UdpCounts } from './net-sockets.js';
import type { ProcFs } from './proc-fs.js';
import { parseSchedstat, type Schedstat } from './schedstat.js';
import { parseReferencedBytes } from './smaps.js';

// Readers of the opt-in /proc files: one bounded read each, then the pure parser with the real path.
// A missing file throws GoneError (the process exited) unless said otherwise.

export function readSchedstat(proc: ProcFs, pid: number, reader: FileReader): Schedstat {
  const path = proc.path(pid, 'schedstat');
  return parseSchedstat(reader.read(path), path);
}

/**
 * Referenced bytes of a process: smaps_rollup (one short file, since Linux 4.14), else smaps (one
 * block per mapping; a large process's may exceed the reader's bound and then fails on its own).
 * Undefined when the file has no Referenced line (a process without memory). GoneError: exited.
 */
export function readReferencedBytes(proc: ProcFs, pid: number, reader: FileReader): number | undefined {
  const rollup = proc.path(pid, 'smaps_rollup');
  const text = reader.readOptional(rollup);
  if (text !== undefined) return parseReferencedBytes(text, rollup);
  const smaps = proc.path(pid, 'smaps');
  return parseReferencedBytes(reader.read(smaps), smaps);
}

/** Sockets per state in `pid`'s network namespace; undefined when the file is absent (tcp6 without IPv6). */
export function readTcpStates(proc: ProcFs, pid: number, file: 'tcp' | 'tcp6', reader: FileReader): TcpStateCounts | undefined {
  const path = proc.path(pid, 'net', file);
  const text = reader.readOptional(path);
  return text === undefined ? undefined : parseTcpStates(text, path);
}

export function readUdpCounts(proc: ProcFs, pid: number, file: 'udp' | 'udp6', reader: FileReader): UdpCounts | undefined {
  const path = proc.path(pid, 'net', file);
  const text = reader.readOptional(path);
  return text === undefined ? undefined : parseUdpCounts(text, path);
}
