import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { SYSTEM_TEST_FILES } from './test/projects.js';

export default defineConfig({
  test: {
    // Goldens and snapshots change only on purpose: a missing or different file fails the run, and
    // `vitest run -u` (re)writes them.
    update: 'none',
    projects: [
      {
        test: {
          // Parsers, config, export units, property tests, fixture roots: no root, no runtime, no
          // Prometheus, no collector, no spawned agent. Files run in parallel: at least two workers,
          // since vitest's default on a 2-core machine would be one, and many of these files wait on
          // timers and loopback sockets rather than use the CPU.
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SYSTEM_TEST_FILES],
          maxWorkers: Math.max(2, availableParallelism()),
          testTimeout: 60_000,
          hookTimeout: 300_000,
          // Runs (and finishes) before `system`, whose global setups nevertheless start first:
          // vitest runs every queued project's globalSetup before any test.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          // Real containerd, the collector, Prometheus, spawned agents, CPU and timing figures.
          name: 'system',
          include: [...SYSTEM_TEST_FILES],
          // They share one containerd and the host's cgroups: one file at a time, so their timings
          // and CPU measurements do not disturb each other on a 2-core machine.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
          // Only this project's files need them, so `npm run test:unit` starts neither.
          // global-setup.ts starts one private containerd (as root) and stops it afterwards;
          // collector-setup.ts builds the OpenTelemetry Collector (otel-collector/) when stale.
          globalSetup: ['test/global-setup.ts', 'test/collector-setup.ts'],
        },
      },
    ],
  },
});
