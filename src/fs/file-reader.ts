import { closeSync, openSync, readSync } from 'node:fs';
import { GoneError, ReadError, isGoneErrno } from '../errors.js';

/**
 * Synchronous whole-file reads of kernel pseudo-files into one reused buffer.
 *
 * Why sync and why one buffer: cgroup and proc files report st_size 0, so readFileSync allocates
 * 64 KiB per call, and per-file promises cost 20-60x more CPU (design notes, perf floor). We read
 * until EOF, growing the buffer when a file (memory.stat on many CPUs, usage_percpu) outgrows it.
 */
export class FileReader {
  #buf: Buffer;

  constructor(initialSize = 16 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialSize);
  }

  /** Whole file as text. Throws GoneError when the file or its owner vanished, ReadError otherwise. */
  read(path: string): string {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    }
    try {
      let total = 0;
      for (;;) {
        if (total === this.#buf.length) {
          const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
          this.#buf.copy(bigger, 0, 0, total);
          this.#buf = bigger;
        }
        const n = readSync(fd, this.#buf, total, this.#buf.length - total, total);
        if (n === 0) break;
        total += n;
      }
      return this.#buf.toString('utf8', 0, total);
    } catch (err) {
      throw isGoneErrno(err) ? new GoneError(path, err) : new ReadError(path, err);
    } finally {
      closeSync(fd);
    }
  }

  /** Like read(), but a missing file yields undefined (optional files: memory.peak, *.pressure). */
  readOptional(path: string): string | undefined {
    try {
      return this.read(path);
    } catch (err) {
      if (err instanceof GoneError) return undefined;
      throw err;
    }
  }
}
