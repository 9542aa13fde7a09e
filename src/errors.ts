/**
 * Typed errors with stable codes. Callers branch on `code`, never on message text.
 * `GONE` is expected churn (a container or pid vanished mid-read) and is logged at debug only.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PARSE'
  | 'READ'
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
