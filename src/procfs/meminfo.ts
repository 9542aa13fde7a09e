import { ParseError } from '../errors.js';
import { parseUnsigned } from './numbers.js';

/**
 * /proc/meminfo as a map from the kernel's key to its value in base units: lines the kernel
 * prints in `kB` become bytes (×1024; the kernel's "kB" is KiB), unitless lines (`HugePages_Total`)
 * stay counts. Keys are kept verbatim (`MemTotal`, `SwapTotal`, `Active(anon)`), and a key the
 * kernel did not print is simply absent (`meminfo.SwapTotal === undefined`), never 0.
 */
export type Meminfo = Readonly<Record<string, number>>;

/**
 * Parse /proc/meminfo.
 *
 * Kernel doc: https://www.kernel.org/doc/html/latest/filesystems/proc.html#meminfo
 *
 * ```
 * MemTotal:       24684084 kB
 * SwapTotal:             0 kB
 * HugePages_Total:       0
 * ```
 * Lines without a `:` are ignored. A value that is not an unsigned integer, or a unit other than
 * `kB`, throws ParseError.
 */
export function parseMeminfo(text: string, file = '/proc/meminfo'): Meminfo {
  const entries: Array<[string, number]> = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim().split(/\s+/);
    const value = parseUnsigned(rest[0], file, key);
    const unit = rest[1];
    if (unit === undefined) {
      entries.push([key, value]);
    } else if (unit === 'kB') {
      entries.push([key, value * 1024]);
    } else {
      throw new ParseError(file, `${key}: unknown unit ${JSON.stringify(unit)}`);
    }
  }
  // fromEntries defines own properties: even a `__proto__` key could not replace the prototype.
  return Object.fromEntries(entries);
}
