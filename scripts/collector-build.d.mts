// Types for scripts/collector-build.mjs (imported by test/collector-setup.ts).
export declare const ROOT: string;
export declare const COLLECTOR_DIR: string;
export declare const COLLECTOR_BINARY: string;
export declare function findGo(): string | undefined;
export declare function collectorUpToDate(): boolean;
export declare function buildCollector(opts?: { timeoutMs?: number; log?: (line: string) => void }): {
  built: boolean;
  ms: number;
  binary: string;
};
