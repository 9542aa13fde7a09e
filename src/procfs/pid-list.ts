import { ParseError } from '../errors.js';

/**
 * A cgroup's cgroup.procs, cgroup.threads (v2) or tasks (v1): one decimal pid per line, possibly
 * repeated (v1 lists are per namespace and may hold duplicates while a task moves). Returned
 * deduplicated in file order. A line that is not a pid throws ParseError.
 */
export function parsePidList(text: string, file: string): number[] {
  if (KERNEL_FORM.test(text)) return kernelForm(text);
  const seen = new Set<number>();
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s === '') continue;
    if (!/^\d+$/.test(s)) throw new ParseError(file, `not a pid: ${JSON.stringify(s)}`);
    seen.add(Number(s));
  }
  return [...seen];
}

/** What the kernel writes: pids of at most 10 digits (pid_max is at most 2^22), each ending in a newline. */
const KERNEL_FORM = /^(?:\d{1,10}\n)*$/;

/** parsePidList of text in KERNEL_FORM, without a string or a Set per line (one pid is the usual list). */
function kernelForm(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out.push(value);
      value = 0;
    } else value = value * 10 + (c - 48);
  }
  return out.length > 1 ? [...new Set(out)] : out;
}
