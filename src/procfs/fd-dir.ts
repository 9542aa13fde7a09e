import { opendirSync, readdirSync, readlinkSync, statSync, type Dir } from 'node:fs';
import { GoneError, ReadError, errnoOf, isGoneErrno } from '../errors.js';

/** What one process's /proc/<pid>/fd held, as far as it was read. */
export interface FdCount {
  /** Entries of /proc/<pid>/fd that were read (each an open descriptor). */
  fds: number;
  /** Of those, links whose target starts with "socket" (`socket:[12345]`), as cAdvisor counts them. */
  sockets: number;
  /** The listing stopped at `maxEntries` with entries left over (the counts are then a lower bound). */
  truncated: boolean;
  /** Links whose readlink was refused (EACCES/EPERM): counted as descriptors, unknown as sockets. */
  linksRefused: number;
}

/**
 * Counts the open descriptors and sockets of /proc/<pid>/fd, reading at most `maxEntries` entries.
 *
 * This is a directory listing plus one readlink per entry, which the FileReader (whole regular
 * files) cannot do, so the bound lives here: entries are read one at a time from an opendir handle
 * and the walk stops after `maxEntries` (one more entry only tells that there were more). A descriptor closed between readdir and
 * readlink still counts as a descriptor (it was open when listed) but not as a socket; one whose
 * readlink is refused (ptrace access checks are per link too) counts as a descriptor and in
 * `linksRefused`. Throws GoneError when the process is gone, ReadError otherwise (EACCES on the
 * directory without CAP_SYS_PTRACE over the process).
 *
 * Since Linux 6.2 stat() of the directory reports the number of open descriptors as its size: when
 * that is within `maxEntries`, the names are listed in one readdir (half the CPU of an opendir
 * handle, which Node builds with promise wrappers, for the usual handful of descriptors). Older
 * kernels report 0, and a larger count takes the entry-by-entry walk.
 *
 * `knownNotSocket(name)`: descriptors the caller knows are not sockets (the agent's own kept files)
 * are counted without their readlink.
 */
export function countFds(fdDir: string, maxEntries: number, knownNotSocket?: (fdName: string) => boolean): FdCount {
  let size: number;
  try {
    size = statSync(fdDir).size;
  } catch (err) {
    throw isGoneErrno(err) ? new GoneError(fdDir, err) : new ReadError(fdDir, err);
  }
  if (size > 0 && size <= maxEntries) return countListed(fdDir, maxEntries, knownNotSocket);
  return countWalked(fdDir, maxEntries, knownNotSocket);
}

function countListed(fdDir: string, maxEntries: number, knownNotSocket: ((fdName: string) => boolean) | undefined): FdCount {
  let names: string[];
  try {
    names = readdirSync(fdDir);
  } catch (err) {
    throw isGoneErrno(err) ? new GoneError(fdDir, err) : new ReadError(fdDir, err);
  }
  const out: FdCount = { fds: 0, sockets: 0, truncated: false, linksRefused: 0 };
  // Descriptors opened since the stat: the bound still holds.
  const n = Math.min(names.length, maxEntries);
  out.truncated = names.length > n;
  for (let i = 0; i < n; i++) {
    out.fds++;
    const name = names[i]!;
    if (knownNotSocket === undefined || !knownNotSocket(name)) countLink(fdDir, name, out);
  }
  return out;
}

/** The target of one fd link: a socket or not; a link gone since the listing is a descriptor only. */
function countLink(fdDir: string, name: string, out: FdCount): void {
  const path = `${fdDir}/${name}`;
  let target: string;
  try {
    target = readlinkSync(path);
  } catch (err) {
    if (isGoneErrno(err)) return;
    const code = errnoOf(err);
    if (code === 'EACCES' || code === 'EPERM') {
      out.linksRefused++;
      return;
    }
    throw new ReadError(path, err);
  }
  if (target.startsWith('socket')) out.sockets++;
}

function countWalked(fdDir: string, maxEntries: number, knownNotSocket: ((fdName: string) => boolean) | undefined): FdCount {
  let dir: Dir;
  try {
    dir = opendirSync(fdDir, { bufferSize: 128 });
  } catch (err) {
    throw isGoneErrno(err) ? new GoneError(fdDir, err) : new ReadError(fdDir, err);
  }
  const out: FdCount = { fds: 0, sockets: 0, truncated: false, linksRefused: 0 };
  try {
    for (;;) {
      const entry = dir.readSync();
      if (entry === null) break;
      if (out.fds >= maxEntries) {
        out.truncated = true;
        break;
      }
      out.fds++;
      if (knownNotSocket === undefined || !knownNotSocket(entry.name)) countLink(fdDir, entry.name, out);
    }
  } catch (err) {
    if (err instanceof ReadError) throw err;
    throw isGoneErrno(err) ? new GoneError(fdDir, err) : new ReadError(fdDir, err);
  } finally {
    dir.closeSync();
  }
  return out;
}
