import { opendirSync, readlinkSync, type Dir } from 'node:fs';
import { join } from 'node:path';
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
 */
export function countFds(fdDir: string, maxEntries: number): FdCount {
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
      let target: string;
      try {
        target = readlinkSync(join(fdDir, entry.name));
      } catch (err) {
        if (isGoneErrno(err)) continue;
        const code = errnoOf(err);
        if (code === 'EACCES' || code === 'EPERM') {
          out.linksRefused++;
          continue;
        }
        throw new ReadError(join(fdDir, entry.name), err);
      }
      if (target.startsWith('socket')) out.sockets++;
    }
  } catch (err) {
    if (err instanceof ReadError) throw err;
    throw isGoneErrno(err) ? new GoneError(fdDir, err) : new ReadError(fdDir, err);
  } finally {
    dir.closeSync();
  }
  return out;
}
