import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import { detectCgroupLayout } from './cgroup/detect.js';
import type { CgroupLayout } from './cgroup/layout.js';
import { CycleReader } from './collection/cycle-reader.js';
import type { AgentConfig } from './config/load.js';
import { cycleBudgets } from './config/cycle-budgets.js';
import { CriConnector } from './discovery/cri-connector.js';
import { containerLabels, type ContainerLabel } from './discovery/container-labels.js';
import { CriInventory } from './discovery/inventory.js';
import type { TargetList } from './discovery/target.js';
import { AgentError, ConfigError } from './errors.js';
import { OtlpDelivery, type DeliveryReport } from './export/otlp/delivery.js';
import { RequestEncoder } from './export/otlp/request-encoder.js';
import { StalenessMarkerSender } from './export/otlp/staleness-markers.js';
import { HealthState } from './export/http/health.js';
import { HealthEndpoint } from './export/http/health-endpoint.js';
import { createOtlpExporter } from './export/otlp/exporter.js';
import { collectOnce, MetricsPipeline } from './export/sdk/pipeline.js';
import { PrometheusEndpoint } from './export/prometheus/endpoint.js';
import { redactUrl } from './export/otlp/redact-url.js';
import { buildResource } from './export/sdk/resource.js';
import { SeriesLimitReporter } from './export/sdk/series-limit.js';
import { FileReader } from './fs/file-reader.js';
import type { Logger } from './log.js';
import { readMachineInfo, type MachineRoots } from './machine/machine-info.js';
import { ContainerSeriesCap } from './metrics/container-series-cap.js';
import { enabledSpecs } from './metrics/enabled.js';
import { readPlanFor } from './metrics/read-plan.js';
import type { MetricSpec } from './metrics/spec.js';
import { podpulseVersion } from './version.js';
import { SelfStats } from './telemetry/self-stats.js';

export interface AgentDeps {
  config: AgentConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The file reader every part shares; default a new one (`podpulse explain` passes one that records). */
  reader?: FileReader;
}

/**
 * The composition root: the only place that constructs the agent's parts and wires them together.
 */
export class Agent {
  readonly stats = new SelfStats();
  readonly layout: CgroupLayout;
  readonly resource: Resource;
  readonly specs: readonly MetricSpec[];
  readonly cycleReader: CycleReader;
  /** The host roots and the reader the agent's parts use (the operator commands read more through them). */
  readonly roots: MachineRoots;
  readonly reader: FileReader;
  #deps: AgentDeps;
  #pipeline: MetricsPipeline | undefined;
  #endpoint: PrometheusEndpoint | undefined;
  #healthEndpoint: HealthEndpoint | undefined;
  #health: HealthState | undefined;
  #inventory: CriInventory;
  #reader: FileReader;
  #markers: StalenessMarkerSender | undefined;

  constructor(deps: AgentDeps) {
    this.#deps = deps;
    const { config, env, log } = deps;
    const reader = deps.reader ?? new FileReader();
    const roots: MachineRoots = { procRoot: config.paths.proc, sysRoot: config.paths.sys, rootfsRoot: config.paths.rootfs };
    this.roots = roots;
    this.reader = reader;
    try {
      this.layout = detectCgroupLayout({ procRoot: roots.procRoot, sysRoot: roots.sysRoot }, reader);
    } catch (err) {
      throw new AgentError(
        'CGROUP_NOT_FOUND',
        `no cgroup hierarchy found under paths.proc=${roots.procRoot} / paths.sys=${roots.sysRoot}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const hierarchies = [...new Set([...this.layout.v1.values(), ...(this.layout.unified ? [this.layout.unified] : [])])];
    // cgroup.procs is in every hierarchy root, v1 and v2; an empty directory (a mount point whose
    // mount is not visible here) lacks it.
    const missing = hierarchies.filter((dir) => !existsSync(join(dir, 'cgroup.procs')));
    if (missing.length === hierarchies.length) {
      // Every read would find nothing and the agent would report zero containers without a word.
      throw new ConfigError(
        `paths.sys: value was "${roots.sysRoot}": the mountinfo under paths.proc lists cgroup mounts but none is there ` +
          `(missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}); set paths.sys to where the host's /sys is mounted`,
      );
    }
    if (missing.length > 0) log.warn({ missing }, 'some cgroup hierarchies listed in mountinfo are not visible under paths.sys; their metrics are absent');
    reader.keepOpenUnder({ dirs: [...this.layout.v1.values(), ...(this.layout.unified ? [this.layout.unified] : [])], maxOpen: config.collection.maxOpenFiles });
    this.#reader = reader;
    let machine;
    try {
      machine = readMachineInfo(roots, reader);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read machine info; resource attributes will be partial');
    }
    this.resource = buildResource(config.resource, machine, env, podpulseVersion(), config.metrics.profile);
    this.specs = enabledSpecs(config.metrics);
    const inventory = new CriInventory({
      layout: this.layout,
      raw: { parents: config.discovery.cgroupParents, maxDepth: config.discovery.maxDepth, maxCgroups: config.discovery.maxCgroups },
      connector: new CriConnector({
        endpoint: config.cri.endpoint,
        rootfs: config.paths.rootfs,
        timeoutMs: config.cri.timeoutMs,
        statsTimeoutMs: config.cri.statsTimeoutMs,
      }),
      rootfs: config.paths.rootfs,
      stats: this.stats,
      log,
      concurrency: config.cri.concurrency,
      refreshTimeoutMs: config.cri.refreshTimeoutMs,
      containerLabels: labelsOf(config.metrics.containerLabels),
    });
    this.#inventory = inventory;
    this.cycleReader = new CycleReader({
      layout: this.layout,
      reader,
      roots,
      targets: inventory,
      stats: this.stats,
      log,
      plan: readPlanFor(this.specs, { groups: config.metrics.groups, maxPidsPerContainer: config.collection.maxPidsPerContainer }),
      maxProcessesPerContainer: config.metrics.maxProcessesPerContainer,
      processLimits: { maxPids: config.collection.maxPidsPerContainer, maxFds: config.collection.maxFdsPerContainer },
      maxRootFilesystems: config.collection.maxRootFilesystems,
    });
  }

  /** What /healthz and /readyz answer from; undefined before start(). */
  get health(): HealthState | undefined {
    return this.#health;
  }

  /**
   * For the operator commands (ps, stats, top, explain), which never start(): runs discovery to the
   * end under its own deadlines and returns its targets. Collect with `cycleReader`; end with stop().
   */
  async discover(): Promise<TargetList> {
    await this.#inventory.refreshNow();
    return this.#inventory.list();
  }

  /** Whether the container runtime answered discovery's last calls. */
  get runtimeConnected(): boolean {
    return this.#inventory.connected;
  }

  /** One collection, returned instead of pushed (--once --print). */
  async collectOnce(): Promise<ResourceMetrics> {
    const { config, log } = this.#deps;
    const limit = new SeriesLimitReporter({ maxSeriesPerMetric: config.metrics.maxSeriesPerMetric, log, stats: this.stats });
    try {
      // One shot: let discovery finish (under its own deadlines) so the only cycle has its labels.
      await this.#inventory.refreshNow();
      return await collectOnce(this.resource, this.specs, this.cycleReader, {
        maxSeriesPerMetric: config.metrics.maxSeriesPerMetric,
        onOverLimit: (s) => limit.report(s),
        seriesCap: this.#seriesCap(),
      });
    } finally {
      await this.#inventory.close();
      this.#reader.close();
    }
  }

  /**
   * Starts the periodic collect-and-push loop; the first cycle runs at once. `serveHealth: false`
   * (one-shot runs) leaves the health endpoint off.
   */
  async start(opts: { serveHealth?: boolean } = {}): Promise<void> {
    const { config, log } = this.#deps;
    const budgets = cycleBudgets(config.collection.intervalMs);
    const health = new HealthState({ staleAfterMs: budgets.healthStaleMs });
    this.#health = health;
    if (config.health.enabled && opts.serveHealth !== false) {
      const endpoint = new HealthEndpoint(config.health, health, log);
      try {
        await endpoint.start();
        this.#healthEndpoint = endpoint;
      } catch (err) {
        // Probes will say so; collecting and pushing matter more than the probe port.
        log.warn(`${(err as Error).message}; running without /healthz and /readyz (set health.port, or health.enabled=false)`);
      }
    }
    if (config.export.prometheus.enabled) {
      this.#endpoint = new PrometheusEndpoint(config.export.prometheus, log, health);
      await this.#endpoint.start();
    }
    const otlp = config.export.otlp.endpoint === '' ? undefined : createOtlpExporter(config.export.otlp);
    if (!otlp && !this.#endpoint) log.warn('export.otlp.endpoint is empty and export.prometheus is off: metrics go nowhere');
    this.#markers = otlp && config.export.otlp.endMarkers ? new StalenessMarkerSender(config.export.otlp) : undefined;
    const delivery = new OtlpDelivery({
      ...(otlp ? { otlp, renew: () => createOtlpExporter(config.export.otlp) } : {}),
      ...(this.#markers ? { stalenessMarkers: this.#markers } : {}),
      replaySnapshots: config.export.otlp.replaySnapshots,
      encoder: new RequestEncoder({ maxRequestBytes: config.export.otlp.maxRequestKib * 1024 }),
      retryBudgetMs: budgets.exportRetryBudgetMs,
      stats: this.stats,
      ...(this.#endpoint ? { onSnapshot: (rm) => this.#endpoint?.update(rm) } : {}),
      onReport: (r) => this.#logCycle(r),
    });
    const seriesLimit = new SeriesLimitReporter({ maxSeriesPerMetric: config.metrics.maxSeriesPerMetric, log, stats: this.stats });
    this.#pipeline = new MetricsPipeline({
      resource: this.resource,
      specs: this.specs,
      source: health.watch(this.cycleReader),
      delivery,
      intervalMs: config.collection.intervalMs,
      log,
      maxSeriesPerMetric: config.metrics.maxSeriesPerMetric,
      onOverLimit: (s) => seriesLimit.report(s),
      onSkipped: () => this.stats.recordSkippedCollection(),
      seriesCap: this.#seriesCap(),
      onCycle: (series) => {
        this.stats.recordLiveSeries(series);
      },
      onEnded: (ended, resource, scope) => delivery.endSeries(ended, resource, scope),
    });
    log.info(
      {
        cgroupMode: this.layout.mode,
        interval: `${config.collection.intervalMs}ms`,
        otlp: config.export.otlp.endpoint ? redactUrl(config.export.otlp.endpoint) : 'disabled',
        prometheus: this.#endpoint?.url ?? 'disabled',
        health: this.#healthEndpoint?.url ?? 'disabled',
        metrics: this.specs.length,
      },
      'podpulse started',
    );
    this.#pipeline.start();
    await this.#pipeline.collectNow();
  }

  #seriesCap(): ContainerSeriesCap {
    const { config, log } = this.#deps;
    return new ContainerSeriesCap({ maxSeriesPerContainer: config.metrics.maxSeriesPerContainer, log, stats: this.stats });
  }

  #logCycle(r: DeliveryReport): void {
    const { log, config } = this.#deps;
    const endpoint = redactUrl(config.export.otlp.endpoint);
    const fields = {
      containers: this.stats.containers,
      series: r.points,
      collectMs: Math.round((this.stats.lastCollectionSeconds ?? 0) * 1000),
      export: r.outcome,
      ...(r.attempts > 1 ? { attempts: r.attempts } : {}),
      ...(r.queued > 0 ? { queued: r.queued } : {}),
      ...(r.requests ? { requests: r.requests } : {}),
      ...(r.droppedPoints ? { droppedPoints: r.droppedPoints } : {}),
    };
    if (r.outcome === 'failed') {
      log.warn(
        { ...fields, reason: r.reason },
        r.queued > 0
          ? `export to ${endpoint} failed: ${r.reason}; ${r.queued} snapshot(s) kept, retrying next cycle`
          : r.droppedPoints !== undefined && r.droppedPoints < r.points
            ? `export to ${endpoint}: ${r.reason}; those ${r.droppedPoints} of the snapshot's ${r.points} points were dropped, the rest delivered`
            : `export to ${endpoint} refused: ${r.reason}; the snapshot was dropped`,
      );
    } else {
      log.info(fields, 'cycle');
    }
  }

  async stop(): Promise<void> {
    await this.#pipeline?.shutdown();
    this.#markers?.close();
    await this.#endpoint?.stop();
    await this.#healthEndpoint?.stop();
    await this.#inventory.close();
    this.#reader.close();
  }
}

/** metrics.containerLabels as label → attribute pairs (the loader already refused colliding names). */
function labelsOf(allowlist: readonly string[]): ContainerLabel[] {
  const r = containerLabels(allowlist);
  if ('error' in r) throw new ConfigError(`metrics.containerLabels: ${r.error}`);
  return r.labels;
}
