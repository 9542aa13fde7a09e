// Generates the TypeScript types of src/runtime/cri/api.proto into src/runtime/cri/generated/
// (`npm run proto:types`), or into the directory given as the first argument (the freshness test
// regenerates into a temp dir and compares). The options match connection.ts's CRI_LOADER_OPTIONS,
// so the `__Output` types are exactly what the client receives.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'src/runtime/cri/generated'));
const bin = join(dirname(createRequire(import.meta.url).resolve('@grpc/proto-loader/package.json')), 'build/bin/proto-loader-gen-types.js');

// A message dropped from api.proto must not leave its old file behind.
rmSync(outDir, { recursive: true, force: true });
const args = [
  '--keepCase',
  '--longs=String',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
  `--outDir=${outDir}`,
  // Relative, so the "Original file:" line of each generated file does not depend on the checkout.
  'src/runtime/cri/api.proto',
];
const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
