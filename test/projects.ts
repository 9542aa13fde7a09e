/**
 * Which test files run in the `system` vitest project (see vitest.config.ts); every other
 * test/**\/*.test.ts runs in `unit`.
 *
 * `system` is for files that need root or the machine: the real containerd of test/global-setup.ts,
 * the collector of test/collector-setup.ts, Prometheus or other apt-installed tools, a spawned agent
 * (`npm start`, dist/), or timings and CPU figures that other files running at the same time would
 * disturb. Those run one file at a time. `unit` files need none of that and run in parallel.
 *
 * test/projects.test.ts fails when a file uses a system-only helper but is not listed here.
 */
export const SYSTEM_TEST_FILES: readonly string[] = [
  // Real containerd (inject('runtime')), and the agent spawned against it.
  'test/harness.test.ts',
  'test/soak.test.ts',
  'test/bench/bench-run.test.ts',
  'test/e2e/churn.test.ts',
  'test/e2e/container-controls.test.ts',
  'test/e2e/containerd.test.ts',
  'test/e2e/kubelet-cgroup.test.ts',
  'test/e2e/process-metrics.test.ts',
  'test/e2e/cri-hang-containerd.test.ts',
  'test/e2e/lifecycle.test.ts',
  'test/e2e/discovery-schedule.test.ts',
  'test/e2e/prometheus-live.test.ts',
  // The operator commands (ps, explain, stats, top in tmux, machine) on the real containerd.
  'test/e2e/operator-tools.test.ts',
  'test/e2e/opt-in-groups.test.ts',
  // The collector built by test/collector-setup.ts, with Prometheus.
  'test/e2e/collector.test.ts',
  'test/e2e/collector-stack.test.ts',
  'test/e2e/collector-tls.test.ts',
  'test/e2e/collector-semconv.test.ts',
  'test/e2e/collector-chunked.test.ts',
  // The agent spawned through `npm start` / dist (builds first), signals, capabilities.
  'test/e2e/agent-export.test.ts',
  'test/e2e/cli.test.ts',
  'test/e2e/outage.test.ts',
  'test/e2e/dropped-capabilities.test.ts',
  'test/pipeline/capabilities.test.ts',
  // The in-process agent on this host's cgroups at a 1 s interval: cycle timings.
  'test/e2e/cri-hang.test.ts',
  // Prometheus, promtool, kubectl, docker-compose (apt-installed as root).
  'test/pipeline/compose.test.ts',
  'test/pipeline/dashboards.test.ts',
  'test/pipeline/kubernetes.test.ts',
  'test/pipeline/prometheus-helper.test.ts',
  'test/pipeline/prometheus-rules.test.ts',
];

/** Text that marks a test file as needing the system project (checked by test/projects.test.ts). */
export const SYSTEM_MARKERS: readonly RegExp[] = [
  /\bruntimeOrSkip\b/,
  /\bcollectorOrSkip\b/,
  /\binject\(/,
  /\b(runCli|startCli|ensureBuilt)\b/,
  /\bspawn\w*\([^;]*ensure-built/,
  /\b(startPrometheus|ensurePrometheusInstalled|ensureDebianBinary)\b/,
];
