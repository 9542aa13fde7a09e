import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Puts a FIFO at `path`. Opening it for reading waits for a writer, and a blocking read waits
 * for data: a reader without a guard would stop the test process for good. So a helper process
 * opens it for writing after `unblockAfterMs` and closes it again, which lets such a reader
 * return (with nothing), so the test fails instead of hanging. Call the returned function to stop
 * that helper.
 */
export function placeFifo(path: string, unblockAfterMs = 3000): () => void {
  rmSync(path, { force: true, recursive: true });
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo ${path}: ${made.stderr.toString()}`);
  const unblocker = spawn('sh', ['-c', `sleep ${unblockAfterMs / 1000}; exec 3>"$0"`, path], { stdio: 'ignore' });
  return () => {
    unblocker.kill('SIGKILL');
  };
}

/** A symlink loop at `path` (path -> path.loop -> path): open and stat fail with ELOOP. */
export function placeSymlinkLoop(path: string): void {
  rmSync(path, { force: true, recursive: true });
  symlinkSync(`${path}.loop`, path);
  symlinkSync(path, `${path}.loop`);
}

/** A regular file where the directory `path` was: paths below it fail with ENOTDIR. */
export function placeFileForDir(path: string): void {
  rmSync(path, { force: true, recursive: true });
  writeFileSync(path, '');
}

/** A sparse regular file of `bytes` at `path` (a hole: no disk blocks used). */
export function placeSparseFile(path: string, bytes: number): void {
  rmSync(path, { force: true, recursive: true });
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  truncateSync(path, bytes);
}

/** A symlink at `path` to a device such as /dev/zero. */
export function placeDeviceLink(path: string, device: string): void {
  rmSync(path, { force: true, recursive: true });
  symlinkSync(device, path);
}
