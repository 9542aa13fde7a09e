// `npm start` and `npm run bench` build first when dist/ is missing or older than the sources.
// Build output goes to stderr so `npm start --silent -- --once --print json` keeps stdout clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((n) => newest(join(path, n))));
}

// bench/soak compiles test/helpers/cri-admin.ts along (the pod lifecycle calls are test code).
const inputs = ['src', 'bench', 'test/helpers', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map((p) => join(root, p)).filter(existsSync);
const stale = !existsSync(stamp) || Math.max(...inputs.map(newest)) > statSync(stamp).mtimeMs;
if (stale) {
  process.stderr.write('podpulse: building (npm run build)...\n');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write('podpulse: build failed\n');
    process.exit(r.status ?? 1);
  }
}
