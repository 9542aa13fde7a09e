import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import { detectCgroupLayout } from './cgroup/detect.js';
import type { CgroupLayout } from './cgroup/layout.js';
import { Collector } from './collector.js';
import type { AgentConfig } from './config/load.js';
import { CriConnector } from './discovery/cri-connector.js';
import { CriInventory } from './discovery/inventory.js';
import { AgentError } from './errors.js';
import { Delivery, type DeliveryReport } from './export/delivery.js';
import { EndMarkerSender } from './export/end-markers.js';
import { createOtlpExporter } from './export/otlp-exporter.js';
import { collectOnce, MetricsPipeline } from './export/pipeline.js';
import { PrometheusEndpoint } from './export/prometheus-endpoint.js';
import { buildResource } from './export/resource.js';
import { FileReader } from './fs/file-reader.js';
import type { Logger } from './log.js';
import { readMachineInfo, type MachineRoots } from './machine/machine-info.js';
import { enabledSpecs } from './metrics/enabled.js';
import { newAgentStats, type AgentStats } from './metrics/sample.js';
import type { MetricSpec } from './metrics/spec.js';
import { podpulseVersion } from './version.js';

export interface AgentDeps {
  config: AgentConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * The composition root: the only place that constructs the agent's parts and wires them together.
 */
export class Agent {
  readonly stats: AgentStats = newAgentStats();
  readonly layout: CgroupLayout;
  readonly resource: Resource;
  readonly specs: readonly MetricSpec[];
  readonly collector: Collector;
  #deps: AgentDeps;
  #pipeline: MetricsPipeline | undefined;
  #endpoint: PrometheusEndpoint | undefined;
  #inventory: CriInventory;
  #reader: FileReader;
  #markers: EndMarkerSender | undefined;

  constructor(deps: AgentDeps) {
    this.#deps = deps;
    const { config, env, log } = deps;
    const reader = new FileReader();
    const roots: MachineRoots = { procRoot: config.paths.proc, sysRoot: config.paths.sys, rootfsRoot: config.paths.rootfs };
    try {
      this.layout = detectCgroupLayout({ procRoot: roots.procRoot, sysRoot: roots.sysRoot }, reader);
    } catch (err) {
      throw new AgentError(
        'CGROUP_NOT_FOUND',
        `no cgroup hierarchy found under paths.proc=${roots.procRoot} / paths.sys=${roots.sysRoot}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    reader.keepOpenUnder({ dirs: [...this.layout.v1.values(), ...(this.layout.unified ? [this.layout.unified] : [])], maxOpen: config.collection.maxOpenFiles });
    this.#reader = reader;
    let machine;
    try {
      machine = readMachineInfo(roots, reader);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read machine info; resource attributes will be partial');
    }
    this.resource = buildResource(config, machine, env, podpulseVersion());
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
    });
    this.#inventory = inventory;
    this.collector = new Collector({ layout: this.layout, reader, roots, targets: inventory, stats: this.stats, log });
  }

  /** One collection, returned instead of pushed (--once --print). */
  async collectOnce(): Promise<ResourceMetrics> {
    try {
      // One shot: let discovery finish (under its own deadlines) so the only cycle has its labels.
      await this.#inventory.refreshNow();
      return await collectOnce(this.resource, this.specs, this.collector);
    } finally {
      await this.#inventory.close();
      this.#reader.close();
    }
  }

  /** Starts the periodic collect-and-push loop; the first cycle runs at once. */
  async start(): Promise<void> {
    const { config, log } = this.#deps;
    if (config.export.prometheus.enabled) {
      this.#endpoint = new PrometheusEndpoint(config.export.prometheus, log);
      await this.#endpoint.start();
    }
    const otlp = config.export.otlp.endpoint === '' ? undefined : createOtlpExporter(config.export.otlp);
    if (!otlp && !this.#endpoint) log.warn('export.otlp.endpoint is empty and export.prometheus is off: metrics go nowhere');
    this.#markers = otlp ? new EndMarkerSender(config.export.otlp) : undefined;
    const delivery = new Delivery({
      ...(otlp ? { otlp, renew: () => createOtlpExporter(config.export.otlp) } : {}),
      ...(this.#markers ? { endMarkers: this.#markers } : {}),
      replaySnapshots: config.export.otlp.replaySnapshots,
      retryBudgetMs: Math.max(0, config.collection.intervalMs * 0.8),
      stats: this.stats,
      ...(this.#endpoint ? { onSnapshot: (rm) => this.#endpoint?.update(rm) } : {}),
      onReport: (r) => this.#logCycle(r),
    });
    this.#pipeline = new MetricsPipeline({
      resource: this.resource,
      specs: this.specs,
      source: this.collector,
      delivery,
      intervalMs: config.collection.intervalMs,
      log,
      onCycle: (series) => {
        this.stats.series = series;
      },
      onEnded: (ended, resource, scope) => delivery.endSeries(ended, resource, scope),
    });
    log.info(
      {
        cgroupMode: this.layout.mode,
        interval: `${config.collection.intervalMs}ms`,
        otlp: config.export.otlp.endpoint || 'disabled',
        prometheus: this.#endpoint?.url ?? 'disabled',
        metrics: this.specs.length,
      },
      'podpulse started',
    );
    this.#pipeline.start();
    await this.#pipeline.collectNow();
  }

  #logCycle(r: DeliveryReport): void {
    const { log, config } = this.#deps;
    const fields = {
      containers: this.stats.containers,
      series: r.points,
      collectMs: Math.round((this.stats.lastCollectionSeconds ?? 0) * 1000),
      export: r.outcome,
      ...(r.attempts > 1 ? { attempts: r.attempts } : {}),
      ...(r.queued > 0 ? { queued: r.queued } : {}),
    };
    if (r.outcome === 'failed') {
      log.warn(
        { ...fields, reason: r.reason },
        r.queued > 0
          ? `export to ${config.export.otlp.endpoint} failed: ${r.reason}; ${r.queued} snapshot(s) kept, retrying next cycle`
          : `export to ${config.export.otlp.endpoint} refused: ${r.reason}; the snapshot was dropped`,
      );
    } else {
      log.info(fields, 'cycle');
    }
  }

  async stop(): Promise<void> {
    await this.#pipeline?.shutdown();
    this.#markers?.close();
    await this.#endpoint?.stop();
    await this.#inventory.close();
    this.#reader.close();
  }
}
