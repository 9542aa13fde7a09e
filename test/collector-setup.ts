/**
 * Vitest global setup: builds the OpenTelemetry Collector distribution in otel-collector/ (only when
 * the binary is older than its sources; default Go caches) for the collector e2e suites. It runs
 * only for the `system` vitest project (vitest.config.ts), so `npm run test:unit` builds nothing.
 *
 * - Not root, or no Go: the suites are skipped with the reason in their titles.
 * - Root with Go: a failed build fails the whole run (a broken pin must not pass as a skip).
 */
import type { TestProject } from 'vitest/node';
import { buildCollector, findGo } from '../scripts/collector-build.mjs';
import type { ProvidedCollector } from './helpers/collector.js';

export default function setup(project: TestProject): void {
  const skip = (reason: string): void => {
    console.warn(`[podpulse tests] collector e2e skipped: ${reason}`);
    project.provide('collector', { unavailable: reason } satisfies ProvidedCollector);
  };
  const uid = process.getuid?.();
  if (uid !== 0) return skip(`not root (uid ${uid ?? 'unknown'}); the collector e2e needs real containerd pods`);
  if (findGo() === undefined) return skip('go not installed (need Go >= 1.26 to build otel-collector/)');
  const r = buildCollector({ log: (l) => console.log(`[podpulse tests] ${l}`) });
  project.provide('collector', { binary: r.binary, buildMs: r.ms } satisfies ProvidedCollector);
}
