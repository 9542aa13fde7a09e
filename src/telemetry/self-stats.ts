import { release } from 'node:os';
import { podpulseRevision, podpulseVersion } from '../version.js';

/**
 * The codes each source's readers can fail with. These (source, code) series start at 0, so that
 * rate() and increase() see the first error; the labels are fixed, so a zero series must carry a
 * real code. A code outside this list (UNEXPECTED: a bug) appears when it first happens.
 */
const KNOWN_SOURCE_ERRORS: Record<string, readonly string[]> = {
  cgroup: ['READ', 'PARSE', 'READ_NOT_REGULAR', 'READ_TOO_LARGE'],
  proc: ['READ', 'PARSE', 'READ_NOT_REGULAR', 'READ_TOO_LARGE'],
  cri: ['UNAVAILABLE', 'DEADLINE_EXCEEDED'],
};

/**
 * The agent's view of itself, for the podpulse_* self-metrics. Discovery, the cycle reader and the
 * OTLP delivery each record what they did through a method; the metric catalog only reads the
 * getters. One instance per agent, made by the composition root and passed in.
 */
export class SelfStats {
  #lastCollectionSeconds: number | undefined;
  #containers: number | undefined;
  #series: number | undefined;
  #exports = { success: 0, failure: 0 };
  #exportRetries = 0;
  #droppedPoints = 0;
  #endedSeries = 0;
  #seriesOverLimit = 0;
  #containerSeriesOverLimit = 0;
  #discoveryTruncations = 0;
  #skippedCollections = 0;
  #sourceErrors: Record<string, Record<string, number>> = {};
  #criUp: boolean | undefined;

  constructor() {
    for (const [source, codes] of Object.entries(KNOWN_SOURCE_ERRORS)) this.#sourceErrors[source] = Object.fromEntries(codes.map((c) => [c, 0]));
  }

  /** Duration of the last collection cycle. */
  get lastCollectionSeconds(): number | undefined {
    return this.#lastCollectionSeconds;
  }
  /** Containers (series entities) the last cycle reported. */
  get containers(): number | undefined {
    return this.#containers;
  }
  /** Live series after the last export. */
  get series(): number | undefined {
    return this.#series;
  }
  get exports(): Readonly<{ success: number; failure: number }> {
    return { ...this.#exports };
  }
  get exportRetries(): number {
    return this.#exportRetries;
  }
  get droppedPoints(): number {
    return this.#droppedPoints;
  }
  /** Series ended with a NoRecordedValue (staleness) marker. */
  get endedSeries(): number {
    return this.#endedSeries;
  }
  /** Series left out of exports because their metric was over metrics.maxSeriesPerMetric (summed per cycle). */
  get seriesOverLimit(): number {
    return this.#seriesOverLimit;
  }
  /** Series left out because their container had more than metrics.maxSeriesPerContainer (summed per cycle). */
  get containerSeriesOverLimit(): number {
    return this.#containerSeriesOverLimit;
  }
  /** Collections not exported because they outlived their deadline (the SDK's collection timeout). */
  get skippedCollections(): number {
    return this.#skippedCollections;
  }
  /** Discovery rounds whose raw cgroup walk stopped at discovery.maxCgroups. */
  get discoveryTruncations(): number {
    return this.#discoveryTruncations;
  }
  /**
   * Failures per source (cgroup, proc, cri) and per stable error code (PARSE, READ, ...; for CRI
   * calls the gRPC status name, e.g. DEADLINE_EXCEEDED): the podpulse_source_errors_total{source,code} series.
   */
  get sourceErrors(): Readonly<Record<string, Readonly<Record<string, number>>>> {
    return this.#sourceErrors;
  }
  /** undefined when no runtime is configured or detected. */
  get criUp(): boolean | undefined {
    return this.#criUp;
  }

  /** One failure of `source` with the error's stable `code` (errors.ts errorCode()). */
  countSourceError(source: string, code: string): void {
    const codes = (this.#sourceErrors[source] ??= {});
    codes[code] = (codes[code] ?? 0) + 1;
  }

  recordCycle(seconds: number, containers: number): void {
    this.#lastCollectionSeconds = seconds;
    this.#containers = containers;
  }

  recordLiveSeries(series: number): void {
    this.#series = series;
  }

  /** One cycle's snapshot reached the collector, or did not. */
  recordExport(delivered: boolean): void {
    if (delivered) this.#exports.success++;
    else this.#exports.failure++;
  }

  recordExportRetry(): void {
    this.#exportRetries++;
  }

  recordDroppedPoints(points: number): void {
    this.#droppedPoints += points;
  }

  recordEndedSeries(series: number): void {
    this.#endedSeries += series;
  }

  /** Series the SDK left out over the limit: also dropped points. */
  recordSeriesOverLimit(series: number): void {
    this.#seriesOverLimit += series;
    this.#droppedPoints += series;
  }

  /** Series the per-container cap left out this cycle (by configuration, so not counted as dropped points). */
  recordContainerSeriesOverLimit(series: number): void {
    this.#containerSeriesOverLimit += series;
  }

  recordSkippedCollection(): void {
    this.#skippedCollections++;
  }

  recordDiscoveryTruncation(): void {
    this.#discoveryTruncations++;
  }

  /** `ifUnknown`: only when no answer was recorded yet (a first attempt still under way). */
  recordCriUp(up: boolean, opts: { ifUnknown?: boolean } = {}): void {
    if (opts.ifUnknown && this.#criUp !== undefined) return;
    this.#criUp = up;
  }

  // --- scrape errors, read caps, build info (kubelet /metrics/cadvisor parity) ---

  #containerScrapeError: boolean | undefined;
  #machineScrapeError: boolean | undefined;
  #readsSkipped: Record<string, number> = Object.fromEntries(READ_SKIP_REASONS.map((k) => [k, 0]));
  readonly build: BuildInfo = { version: podpulseVersion(), revision: podpulseRevision(), nodeVersion: process.version, kernelVersion: release() };

  /** Whether the last cycle lost a source of some container (a read or parse failure; not a vanished container). */
  get containerScrapeError(): boolean | undefined {
    return this.#containerScrapeError;
  }

  /** Whether the last read of the host facts (machine_*) failed in part. */
  get machineScrapeError(): boolean | undefined {
    return this.#machineScrapeError;
  }

  /** /proc entries left unread on purpose, by reason (see READ_SKIP_REASONS), cumulative. */
  get readsSkipped(): Readonly<Record<string, number>> {
    return this.#readsSkipped;
  }

  recordScrapeErrors(errors: { container?: boolean; machine?: boolean }): void {
    if (errors.container !== undefined) this.#containerScrapeError = errors.container;
    if (errors.machine !== undefined) this.#machineScrapeError = errors.machine;
  }

  countReadsSkipped(reason: ReadSkipReason, n: number): void {
    if (n > 0) this.#readsSkipped[reason] = (this.#readsSkipped[reason] ?? 0) + n;
  }
}

/**
 * Why /proc entries were left unread on purpose (the values they feed are then lower bounds, or
 * absent): a per-container cap (processes whose fd directory was not listed, tasks whose stat was
 * not read, fd listings stopped at collection.maxFdsPerContainer, host filesystems past
 * collection.maxRootFilesystems), or /proc/<pid>/fd refused for want of CAP_SYS_PTRACE (processes).
 */
export const READ_SKIP_REASONS = ['pids_cap', 'tasks_cap', 'fds_cap', 'filesystems_cap', 'fd_permission'] as const;
export type ReadSkipReason = (typeof READ_SKIP_REASONS)[number];

/** podpulse_build_info labels. */
export interface BuildInfo {
  version: string;
  revision: string;
  nodeVersion: string;
  kernelVersion: string;
}
