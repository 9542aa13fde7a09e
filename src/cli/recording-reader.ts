import { FileReader } from '../fs/file-reader.js';

/** One file as the agent read it. */
export interface FileRead {
  path: string;
  /** The whole text; undefined when the file was missing. */
  text?: string;
  /** Unix milliseconds when the read returned. */
  atMs: number;
}

/**
 * The agent's FileReader, keeping what it read while recording: `podpulse explain` shows the raw
 * kernel text behind a value from the very reads that produced it, not from a second read.
 */
export class RecordingReader extends FileReader {
  #reads: FileRead[] | undefined;

  override read(path: string): string {
    try {
      const text = super.read(path);
      this.#reads?.push({ path, text, atMs: Date.now() });
      return text;
    } catch (err) {
      this.#reads?.push({ path, atMs: Date.now() });
      throw err;
    }
  }

  /** Runs `work` and returns what it read, in order, with its result. */
  async recording<T>(work: () => Promise<T>): Promise<{ result: T; reads: FileRead[] }> {
    this.#reads = [];
    try {
      const result = await work();
      return { result, reads: this.#reads };
    } finally {
      this.#reads = undefined;
    }
  }
}
