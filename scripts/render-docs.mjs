// Regenerates docs/metrics.md from the catalog (npm run docs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderMetricsDoc } from '../dist/src/metrics/docs.js';
mkdirSync('docs', { recursive: true });
writeFileSync('docs/metrics.md', renderMetricsDoc());
process.stderr.write('wrote docs/metrics.md\n');
