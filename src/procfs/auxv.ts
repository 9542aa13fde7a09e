import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';

/** AT_PAGESZ (include/uapi/linux/auxvec.h): the kernel's page size, handed to every process. */
const AT_PAGESZ = 6n;
/** auxv is a few dozen (type, value) pairs; this is far beyond any kernel's. */
const MAX_AUXV_BYTES = 4096;

/**
 * The page size from an auxv image (/proc/<pid>/auxv): (type, value) pairs of unsigned longs in the
 * machine's byte order, ending with AT_NULL. Undefined when there is no AT_PAGESZ entry. Only 64-bit
 * layouts are read (the agent runs on 64-bit Node).
 *
 * https://man7.org/linux/man-pages/man3/getauxval.3.html
 */
export function parseAuxvPageSize(buf: Buffer, littleEndian = endianness() === 'LE'): number | undefined {
  for (let off = 0; off + 16 <= buf.length; off += 16) {
    const type = littleEndian ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off);
    if (type === 0n) return undefined;
    if (type === AT_PAGESZ) {
      const value = Number(littleEndian ? buf.readBigUInt64LE(off + 8) : buf.readBigUInt64BE(off + 8));
      // A power of two between 1 KiB and 1 MiB, or it is not a page size.
      return value >= 1024 && value <= 1 << 20 && (value & (value - 1)) === 0 ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The kernel's page size from `<procRoot>/self/auxv` (the agent's own process: same kernel as the
 * host's), or undefined when it cannot be read (a fixture root without the file). Binary, so it is
 * read here with its own bound instead of through the text FileReader.
 */
export function readPageSize(procRoot: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(join(procRoot, 'self', 'auxv'), 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(MAX_AUXV_BYTES);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0 || total + n >= buf.length) {
        total += n;
        break;
      }
      total += n;
    }
    return parseAuxvPageSize(buf.subarray(0, total));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
