import { relative } from 'node:path';
import { FileReader } from '../../src/fs/file-reader.js';

/** A FileReader that records every file it opens, absent ones included (readOptional goes through read). */
export class RecordingReader extends FileReader {
  #paths: string[] = [];

  override read(path: string): string {
    this.#paths.push(path);
    return super.read(path);
  }

  /** The files opened since the last take, relative to `root`, in order. */
  take(root: string): string[] {
    const out = this.#paths.map((p) => relative(root, p));
    this.#paths = [];
    return out;
  }
}
