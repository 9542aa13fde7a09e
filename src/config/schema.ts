/**
 * The convict schema: every knob declared once with its doc, format and default. Environment
 * variables (PODPULSE_<KEY_PATH>) and flags (--<key-path>) are derived from the key path, so they can
 * never drift from the file keys. Metric groups come from the catalog. The AgentConfig type and the
 * object load.ts returns are derived from this tree too (shape.ts): a leaf's `as` names its property.
 */
import { METRIC_GROUPS_DECLARED, PROFILES, type MetricGroup } from '../metrics/spec.js';
import { HEALTH_STALE_INTERVALS } from './cycle-budgets.js';
import type { ConfigOf, LeafDecl, LeafEntries, SchemaTree } from './shape.js';

/** A leaf as convict gets it: the declaration with its strict format, env and arg filled in. */
export interface SchemaLeaf extends Omit<LeafDecl, 'format'> {
  format: unknown;
  env?: string;
  arg?: string;
}

/**
 * convict's Boolean, 'nat' and 'port' coerce too loosely ("no" -> true, "12abc" -> 12, port 0), so
 * every leaf declared with them gets our strict format instead (src/config/formats.ts). Declaring
 * `format: Boolean` keeps working and means `true`/`false` only.
 */
const STRICT_FORMATS = new Map<unknown, string>([
  [Boolean, 'bool'],
  ['nat', 'count'],
  ['port', 'port-number'],
]);

// string[], not a tuple: AgentConfig keeps log.level a plain string.
const LOG_LEVELS: string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type GroupLeaf = { doc: string; format: BooleanConstructor; default: boolean };

function groupsSchema(): Record<MetricGroup, GroupLeaf> {
  const out = {} as Record<MetricGroup, GroupLeaf>;
  for (const [g, { on, doc }] of Object.entries(METRIC_GROUPS_DECLARED)) {
    out[g as MetricGroup] = { doc, format: Boolean, default: on };
  }
  return out;
}

const tree = {
  collection: {
    interval: {
      doc: 'How often to collect and push (e.g. 10s, 500ms, 1m).',
      format: 'duration-ms',
      default: '10s',
      min: '100ms',
      max: '24h',
      as: 'collection.intervalMs',
    },
    maxOpenFiles: {
      doc:
        'Files kept open between cycles and re-read in place, which saves an open and close per file: cgroup files, and /proc/<pid>/stat, status and schedstat (a kept descriptor of an exited process fails, and the path is opened afresh). ' +
        'The default metric groups keep about 17 per container (files read only now and then, such as limits, are not kept). Never more than the agent\'s RLIMIT_NOFILE soft limit minus 1024 (a quarter of a limit under 4096); when files must be opened and closed because the bound is full, a warning says how many. ' +
        'Each kept file holds about 4 KiB of kernel memory, charged to the agent\'s cgroup. 0 = open and close every time.',
      format: 'nat',
      default: 32_768,
      max: 65_536,
    },
    maxPidsPerContainer: {
      doc: 'Processes listed (and tasks read) per container per cycle: /proc/<pid>/fd and /proc/<tid>/stat (kinds "process", "cpuLoad"; the rest are skipped and counted in podpulse_proc_reads_skipped_total), and the processes of a cgroup with its sub-cgroups summed by the opt-in groups sched and referenced_memory (beyond it a warning says the sums leave the rest out).',
      format: 'nat',
      default: 1024,
      min: 1,
      max: 1_000_000,
    },
    maxFdsPerContainer: {
      doc: 'Entries of /proc/<pid>/fd read per container per cycle, over all its processes (container_file_descriptors, container_sockets are then lower bounds).',
      format: 'nat',
      default: 65_536,
      min: 1,
      max: 10_000_000,
    },
    maxRootFilesystems: {
      doc: 'Host filesystems (mounts in the host mountinfo) reported on "/" per cycle (container_fs_* with their device label); one tmpfs per pod volume adds up.',
      format: 'nat',
      default: 1000,
      min: 1,
      max: 100_000,
    },
  },
  paths: {
    proc: { doc: 'Where the host /proc is mounted (e.g. /host/proc in a container).', format: 'abs-path', default: '/proc' },
    sys: {
      doc: 'Where the host /sys is mounted; cgroup mounts found in mountinfo are rebased onto it.',
      format: 'abs-path',
      default: '/sys',
    },
    rootfs: { doc: 'Where the host / is mounted (for /etc/machine-id and the CRI socket).', format: 'abs-path', default: '/' },
  },
  discovery: {
    cgroupParents: {
      doc: 'Cgroup subtrees to walk for raw cgroups (relative to each hierarchy root); empty = the whole hierarchy. "/" is always reported.',
      format: 'string-list',
      default: [] as string[],
    },
    maxDepth: { doc: 'How deep below each parent the raw cgroup walk goes.', format: 'nat', default: 6, max: 32 },
    maxCgroups: { doc: 'Upper bound on raw cgroups reported per cycle (runtime containers always count).', format: 'nat', default: 2000, max: 100_000 },
  },
  cri: {
    endpoint: {
      doc: 'CRI socket (unix:///run/containerd/containerd.sock or a path); empty = autodetect containerd, then CRI-O.',
      format: 'cri-endpoint',
      default: '',
    },
    timeout: { doc: 'Deadline of each CRI list/status call.', format: 'duration-ms', default: '5s', min: '100ms', max: '10m', as: 'cri.timeoutMs' },
    statsTimeout: {
      doc: 'Deadline of the CRI stats calls (slow with many pods).',
      format: 'duration-ms',
      default: '10s',
      min: '100ms',
      max: '10m',
      as: 'cri.statsTimeoutMs',
    },
    concurrency: {
      doc: 'CRI status calls in flight at once during discovery; one stuck container then holds one slot, not the whole round.',
      format: 'nat',
      default: 4,
      min: 1,
      max: 64,
    },
    refreshTimeout: {
      doc: 'Overall deadline of one CRI discovery round (lists plus status calls); a cycle waits for a round only while the runtime keeps answering (1 s at most), and what a round leaves unfinished is retried on a new connection.',
      format: 'duration-ms',
      default: '15s',
      min: '100ms',
      max: '10m',
      as: 'cri.refreshTimeoutMs',
    },
  },
  export: {
    otlp: {
      endpoint: {
        doc: 'OTLP/gRPC collector endpoint; http:// is plaintext, https:// is TLS; empty disables OTLP export.',
        format: 'otlp-endpoint',
        default: 'http://localhost:4317',
      },
      headers: {
        doc: 'gRPC metadata sent with every export (map, or "k1=v1,k2=v2" from env).',
        format: 'headers',
        default: {} as Record<string, string>,
        sensitive: true,
      },
      timeout: {
        doc: 'Deadline of one export attempt.',
        format: 'duration-ms',
        default: '10s',
        min: '100ms',
        max: '10m',
        as: 'export.otlp.timeoutMs',
      },
      replaySnapshots: {
        doc: 'Failed exports kept and replayed oldest-first once the collector is back (0 = none).',
        format: 'nat',
        default: 5,
        max: 100,
      },
      maxRequestKib: {
        doc: 'Largest export request in KiB of protobuf before compression: a bigger snapshot goes out as several requests, each valid alone (one slice of 32 containers is never cut).',
        format: 'nat',
        default: 1024,
        min: 16,
        max: 65536,
      },
      compression: {
        doc: 'gRPC message compression of exports and end markers: gzip or none.',
        format: ['gzip', 'none'],
        default: 'gzip',
      },
      endMarkers: {
        doc: 'Send a no-recorded-value point when a series ends, so Prometheus marks it stale at once.',
        format: Boolean,
        default: true,
      },
      tls: {
        ca: { doc: 'PEM file of the CA that signed the collector certificate.', format: 'optional-path', default: '' },
        cert: { doc: 'PEM client certificate for mTLS.', format: 'optional-path', default: '' },
        key: { doc: 'PEM client key for mTLS.', format: 'optional-path', default: '', sensitive: true },
        insecure: {
          doc: 'Force plaintext gRPC even for an https:// endpoint (not recommended).',
          format: Boolean,
          default: false,
        },
      },
    },
    prometheus: {
      enabled: { doc: 'Serve the last collected snapshot as Prometheus text on /metrics.', format: Boolean, default: false },
      host: { doc: 'Address the Prometheus endpoint binds to.', format: String, default: '127.0.0.1' },
      port: { doc: 'Port of the Prometheus endpoint.', format: 'port', default: 9464 },
    },
  },
  health: {
    enabled: {
      doc: `Serve /healthz (fails when no collection finished within ${HEALTH_STALE_INTERVALS} × collection.interval) and /readyz (ok after the first collection) for probes.`,
      format: Boolean,
      default: true,
    },
    host: {
      doc: 'Address the health endpoint binds to; loopback keeps it off every network (the DaemonSet probes it from inside the pod).',
      format: String,
      default: '127.0.0.1',
    },
    port: { doc: 'Port of the health endpoint.', format: 'port', default: 9465 },
  },
  resource: {
    service: {
      name: {
        doc: 'service.name; the collector turns it into job=. Keep "cadvisor" for kubernetes-mixin.',
        format: String,
        default: 'cadvisor',
        as: 'resource.serviceName',
      },
      instance: {
        id: {
          doc: 'service.instance.id (becomes instance=); empty = the node name (NODE_NAME env, else hostname).',
          format: String,
          default: '',
          as: 'resource.serviceInstanceId',
        },
      },
    },
    attributes: { doc: 'Extra resource attributes (land in target_info).', format: 'string-map', default: {} as Record<string, string> },
  },
  metrics: {
    profile: {
      doc: 'Naming profile: "cadvisor" emits kubelet /metrics/cadvisor names with the identity on every point; "semconv" OpenTelemetry semantic-convention names (container.*, k8s.pod.*, k8s.node.*) with one Resource per pod and container; "both" sends both name sets.',
      format: PROFILES,
      default: 'cadvisor',
    },
    groups: groupsSchema(),
    disabled: {
      doc: 'Deprecated (still honoured, with a warning): metric names to leave out; write metrics.overrides.<name>: false instead.',
      format: 'string-list',
      default: [] as string[],
    },
    overrides: {
      doc: 'Per-metric switches that win over the group: <name>: true turns one metric on even when its group is off (or it is off by default), <name>: false turns one off. A name that is no metric is an error.',
      format: 'metric-overrides',
      default: {} as Record<string, boolean>,
    },
    containerLabels: {
      doc: 'Runtime labels every container series carries as container_label_<label> ([^a-zA-Z0-9_] becomes _), like cAdvisor\'s --whitelisted_container_labels: values from the CRI container\'s labels, else its pod sandbox\'s (where the kubelet puts the pod\'s labels); "" where neither has it. Empty = none. Each label adds a series whenever its value changes.',
      format: 'string-list',
      default: [] as string[],
    },
    maxSeriesPerContainer: {
      doc: 'Series one container (one cgroup) may carry per cycle over all its metrics; 0 = no cap. It keeps its first ones in catalog order (the row order of src/metrics/catalog.ts; docs/metrics.md lists the same rows gathered by group), within a metric in the order the kernel lists devices, interfaces or CPUs; the rest are left out that cycle, counted in podpulse_container_series_over_limit_total and warned about (at most every 10 min).',
      format: 'nat',
      default: 1000,
      max: 1_000_000,
    },
    maxSeriesPerMetric: {
      doc: 'Series one metric may carry per export (at least 1); the excess is left out, counted in podpulse_series_over_limit_total and warned about. Also bounds the memory the OTel SDK keeps per metric.',
      format: 'nat',
      default: 20000,
      min: 1,
      max: 1_000_000,
    },
    maxProcessesPerContainer: {
      doc: 'Group per_process: processes reported per container, the ones that used the most CPU (at most 1024 pids are read per container).',
      format: 'nat',
      default: 20,
      min: 1,
      max: 1024,
    },
  },
  log: {
    level: { doc: 'Log level (logs go to stderr as JSON lines).', format: LOG_LEVELS, default: 'info' },
  },
} as const satisfies SchemaTree;

/** The typed config, derived from the tree above (src/config/shape.ts); load.ts builds its value. */
export type AgentConfig = ConfigOf<typeof tree>;
/** One { path, value } per leaf: where it sits in AgentConfig and its type (for type tests). */
export type ConfigEntries = LeafEntries<typeof tree>;

function isLeaf(node: unknown): node is SchemaLeaf {
  return typeof node === 'object' && node !== null && 'doc' in node && 'default' in node;
}

/** Adds env (PODPULSE_A_B_C) and arg (a-b-c) to every leaf, derived from its key path. */
function decorate(node: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    const p = [...path, key];
    if (isLeaf(child)) {
      out[key] = {
        ...child,
        format: STRICT_FORMATS.get(child.format) ?? child.format,
        env: envName(p.join('.')),
        arg: argName(p.join('.')),
      };
    } else {
      out[key] = decorate(child as Record<string, unknown>, p);
    }
  }
  return out;
}

export function envName(keyPath: string): string {
  return 'PODPULSE_' + keyPath.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

export function argName(keyPath: string): string {
  return keyPath.replace(/([a-z])([A-Z])/g, '$1-$2').replace(/[._]/g, '-').toLowerCase();
}

export const schema = decorate(tree, []);

export interface LeafPath {
  /** The key path (file keys, PODPULSE_* and --flags derive from it). */
  path: string;
  /** Where the value sits in AgentConfig: the leaf's `as`, else the key path. */
  configPath: string;
  leaf: SchemaLeaf;
}

/** Every leaf key path, in declaration order (docs, CLI validation and the config object use it). */
export function leafPaths(node: Record<string, unknown> = schema, prefix = ''): LeafPath[] {
  const out: LeafPath[] = [];
  for (const [key, child] of Object.entries(node)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (isLeaf(child)) out.push({ path: p, configPath: child.as ?? p, leaf: child });
    else out.push(...leafPaths(child as Record<string, unknown>, p));
  }
  return out;
}
