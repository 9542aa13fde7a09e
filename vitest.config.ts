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
    globalSetup: ['test/global-setup.ts'],
  },
});
