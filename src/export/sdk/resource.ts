import { hostname } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { MachineInfo } from '../../machine/machine-info.js';
import type { Profile } from '../../metrics/spec.js';

/** config's `resource` section, as plain values. */
export interface ResourceSettings {
  serviceName: string;
  /** '' = the node name. */
  serviceInstanceId: string;
  attributes: Readonly<Record<string, string>>;
}

/**
 * The node's resource. service.name becomes `job` and service.instance.id becomes `instance` in
 * Prometheus; everything else lands in target_info. Container identity is NOT here: one
 * MeterProvider has one resource, so it travels on the data points (in the semconv profile it becomes
 * one resource per pod and container at export, built on this one: sdk/resource-groups.ts). With
 * semconv names k8s.node.name is always set, as it identifies the k8s.node.* metrics.
 */
export function buildResource(
  settings: ResourceSettings,
  machine: MachineInfo | undefined,
  env: NodeJS.ProcessEnv,
  version: string,
  profile: Profile = 'cadvisor',
): Resource {
  const nodeName = env.NODE_NAME || machine?.hostname || hostname();
  const attrs: Record<string, string> = {
    ...settings.attributes,
    'service.name': settings.serviceName,
    'service.instance.id': settings.serviceInstanceId || nodeName,
    'service.version': version,
    'host.name': nodeName,
    'os.type': 'linux',
  };
  if (env.NODE_NAME) attrs['k8s.node.name'] = env.NODE_NAME;
  else if (profile !== 'cadvisor') attrs['k8s.node.name'] = nodeName;
  if (machine?.machineId) attrs['host.id'] = machine.machineId;
  if (machine?.kernelVersion) attrs['os.version'] = machine.kernelVersion;
  if (machine?.osImage) attrs['os.description'] = machine.osImage;
  if (machine?.cpuModel) attrs['host.cpu.model.name'] = machine.cpuModel;
  return resourceFromAttributes(attrs);
}
