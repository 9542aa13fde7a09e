import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../../errors.js';

/**
 * Where CRI runtimes put their socket, in the order we probe them when `cri.endpoint` is empty
 * (the kubelet's own defaults: containerd first, then CRI-O; /var/run is usually a symlink to
 * /run, but not on every distribution).
 */
export const DEFAULT_CRI_SOCKETS: readonly string[] = [
  '/run/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
];

export interface CriTarget {
  /** gRPC target, always `unix:///abs/path`. */
  target: string;
  /** Socket path on this host. */
  path: string;
}

/**
 * Accepts `unix:///abs/path` (the kubelet's `--container-runtime-endpoint` form) or a bare
 * absolute path. CRI runtimes listen only on unix sockets on Linux, so anything else is a
 * configuration mistake.
 */
export function parseCriEndpoint(endpoint: string): CriTarget {
  const e = endpoint.trim();
  let path: string;
  if (e.startsWith('unix://')) path = e.slice('unix://'.length);
  else if (e.startsWith('unix:')) path = e.slice('unix:'.length);
  else path = e;
  if (!isAbsolute(path)) {
    throw new ConfigError(`cri.endpoint must be unix:///absolute/path or an absolute socket path, got ${JSON.stringify(endpoint)}`);
  }
  return { target: `unix://${path}`, path };
}

export interface SocketDetection {
  /** `unix://<path>` of the first socket found, or undefined. */
  endpoint?: string;
  /** Paths probed, in order, with the rootfs prefix applied. */
  tried: string[];
  /** One line for logs or an error message: what was found, or what was tried. */
  message: string;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * Finds the runtime socket when none is configured. `rootfs` is where the host's root is
 * visible (`/` on the host, `/host` in a container that mounts it there); each candidate is
 * looked up under it. Only actual sockets count: a leftover regular file or directory is skipped.
 */
export function detectCriEndpoint(rootfs = '/', candidates: readonly string[] = DEFAULT_CRI_SOCKETS): SocketDetection {
  const tried: string[] = [];
  for (const candidate of candidates) {
    const path = join(rootfs, candidate);
    tried.push(path);
    if (isSocket(path)) {
      return { endpoint: `unix://${path}`, tried, message: `found CRI socket ${path}` };
    }
  }
  return {
    tried,
    message: `no CRI socket found (tried ${tried.join(', ')}); set cri.endpoint to the runtime's socket`,
  };
}
