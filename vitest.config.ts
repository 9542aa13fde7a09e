import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-runtime suites share one containerd and the host's cgroups: run files one at a time so
    // their timings and CPU measurements do not disturb each other on a 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Starts one private containerd (as root) for the real-runtime suites and stops it afterwards.
    // Then builds the OpenTelemetry Collector (otel-collector/) when stale, for the collector e2e suites.
    globalSetup: ['test/global-setup.ts', 'test/collector-setup.ts'],
  },
});
