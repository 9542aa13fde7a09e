// Copies otel-collector/config.yaml into deploy/kubernetes/collector-configmap.yaml (data.config.yaml),
// keeping the manifest's header. Kustomize cannot read files outside its directory, hence the copy;
// test/pipeline/kubernetes.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'deploy', 'kubernetes', 'collector-configmap.yaml');
const marker = '  config.yaml: |\n';
const current = readFileSync(manifest, 'utf8');
const at = current.indexOf(marker);
if (at < 0) throw new Error(`${manifest}: no "config.yaml: |" block`);
const config = readFileSync(join(root, 'otel-collector', 'config.yaml'), 'utf8');
const body = config
  .split('\n')
  .map((l) => (l === '' ? '' : `    ${l}`))
  .join('\n');
writeFileSync(manifest, current.slice(0, at + marker.length) + body);
