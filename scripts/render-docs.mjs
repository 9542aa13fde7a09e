// Regenerates docs/metrics.md and docs/config.md from the catalog and the config schema (npm run docs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderConfigDoc } from '../dist/src/config/docs.js';
import { renderMetricsDoc } from '../dist/src/metrics/docs.js';
mkdirSync('docs', { recursive: true });
writeFileSync('docs/metrics.md', renderMetricsDoc());
writeFileSync('docs/config.md', renderConfigDoc());
process.stderr.write('wrote docs/metrics.md, docs/config.md\n');
