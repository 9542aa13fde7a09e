import type { FileReader } from '../fs/file-reader.js';
import type { ProcFs } from './proc-fs.js';

/**
 * Parse /proc/<pid>/cmdline: the arguments, each ended by a NUL. Empty for kernel threads and
 * zombies (the caller shows `[comm]` then, as ps does). A process that rewrote its argv may leave
 * no trailing NUL or use spaces instead; then the text is one argument.
 */
export function parsePidCmdline(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** argv as one line; arguments holding blanks or quotes are single-quoted so the line can be pasted. */
export function cmdlineText(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
}

export function readPidCmdline(proc: ProcFs, pid: number, reader: FileReader): string[] {
  return parsePidCmdline(reader.read(proc.path(pid, 'cmdline')));
}
