/**
 * The setup the real-runtime lifecycle suites share: an in-process agent at a 1 s interval on the
 * harness's containerd (kubepods only), pushing to a loopback OTLP receiver, with one long-lived pod
 * "steady" (one sleeper container) to compare everything else against.
 */
import { pino } from 'pino';
import { Agent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { startOtlpReceiver, type FlatRequest, type OtlpReceiver } from './otlp-receiver.js';
import { TestPods, workloads, type TestPod } from './pods.js';
import type { RuntimeInfo } from './runtime-env.js';

export interface AgentOnRuntime {
  agent: Agent;
  receiver: OtlpReceiver;
  pods: TestPods;
  steady: TestPod;
  /** Stops the agent and the receiver and removes every pod this set-up made. */
  stop(): Promise<void>;
}

export async function startAgentWithSteadyPod(rt: RuntimeInfo, namespace: string): Promise<AgentOnRuntime> {
  const pods = new TestPods(rt);
  const steady = await pods.createPod({ name: 'steady', namespace, qos: 'besteffort', containers: [{ name: 'sleeper', command: workloads.sleep() }] });
  const receiver = await startOtlpReceiver();
  const { config } = loadConfig(
    ['--cri-endpoint', rt.socket, '--discovery-cgroup-parents', 'kubepods', '--collection-interval', '1s', '--export-otlp-endpoint', receiver.url],
    {},
  );
  const agent = new Agent({ config, env: {}, log: pino({ level: 'silent' }) });
  await agent.start();
  return {
    agent,
    receiver,
    pods,
    steady,
    async stop() {
      await agent.stop();
      await receiver.stop();
      await pods.removeAll();
      pods.close();
    },
  };
}

/** Newest point time in a request, in ns: when that cycle was collected. */
export function collectedAt(req: FlatRequest): bigint {
  let t = 0n;
  for (const m of req.metrics) for (const p of m.points) if (p.timeUnixNano > t) t = p.timeUnixNano;
  return t;
}
