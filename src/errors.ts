/**
 * Typed errors with stable codes. Callers branch on `code`, never on message text.
 * `GONE` is expected churn (a container or pid vanished mid-read) and is logged at debug only.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PARSE'
  | 'READ'
  | 'READ_NOT_REGULAR'
  | 'READ_TOO_LARGE'
  | 'GONE'
  | 'CGROUP_NOT_FOUND'
  | 'CRI_UNAVAILABLE'
  | 'CRI_CALL'
  | 'EXPORT';

export class AgentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** A known kernel file held a value we cannot interpret. Always names the file. */
export class ParseError extends AgentError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('PARSE', `${file}: ${message}`, options);
    this.name = 'ParseError';
    this.file = file;
  }
}

/** Reading a file failed for a reason other than the object having vanished. */
export class ReadError extends AgentError {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super('READ', `cannot read ${path}: ${errnoOf(cause) ?? String(cause)}`, { cause });
    this.name = 'ReadError';
    this.path = path;
  }
}

/**
 * Something other than a regular file sits where a kernel file should be: a FIFO (whose read would
 * block the collection loop, and /healthz with it, forever), a device, a directory, a socket.
 * Kernel pseudo-files in cgroupfs, procfs and sysfs are all regular files.
 */
export class NotRegularFileError extends AgentError {
  readonly path: string;
  constructor(path: string, kind: string) {
    super('READ_NOT_REGULAR', `refusing to read ${path}: a ${kind}, not a regular file`);
    this.name = 'NotRegularFileError';
    this.path = path;
  }
}

/** A file holds more than the per-file read bound; nothing of it is used. */
export class FileTooLargeError extends AgentError {
  readonly path: string;
  constructor(path: string, maxBytes: number) {
    super('READ_TOO_LARGE', `refusing to read ${path}: larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
    this.path = path;
  }
}

/** The cgroup or process disappeared between listing and reading (ENOENT, ENODEV, ESRCH). */
export class GoneError extends AgentError {
  readonly path: string;
  constructor(path: string, cause?: unknown) {
    super('GONE', `${path} vanished`, { cause });
    this.name = 'GoneError';
    this.path = path;
  }
}

export class ConfigError extends AgentError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

/** The stable code of a failure for counting and logging: the typed error's code, UNEXPECTED for anything else. */
export function errorCode(err: unknown): ErrorCode | 'UNEXPECTED' {
  return err instanceof AgentError ? err.code : 'UNEXPECTED';
}

export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** ENOENT after rmdir, ENODEV on an fd opened before rmdir, ESRCH on a reaped pid: all mean "gone". */
export function isGoneErrno(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ESRCH';
}
