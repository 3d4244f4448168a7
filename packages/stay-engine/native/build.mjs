// Compiles the native stay engine (stay-engine.cc) into build/stay-engine.node,
// run by `npm install`. One C++ file against Node-API's C headers, which ship
// with Node (include/node next to the binary): a direct compiler call, where
// node-gyp would download the same headers and need Python. Without a compiler
// or the headers, the TypeScript engine serves every run (native-shard.ts) and
// this says so; it never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'stay-engine.node');
const candidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(process.execPath), '..', 'include', 'node'),
].filter(Boolean);
const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
const compiler = process.env.CXX || 'c++';
const warn = (why) => {
  console.warn(`stay-engine: native engine not built (${why}); compute runs the TypeScript engine.`);
  process.exit(process.argv.includes('--strict') ? 1 : 0);
};
if (!include) warn(`no node_api.h in ${candidates.join(' or ')}`);
// Up to date (newer than its source and this script): nothing to do. `npm test` calls this
// too, so an edited engine is never tested as its old build.
const source = join(here, 'stay-engine.cc');
const newer = (a, b) => statSync(a).mtimeMs >= statSync(b).mtimeMs;
if (existsSync(out) && newer(out, source) && newer(out, fileURLToPath(import.meta.url))) process.exit(0);
mkdirSync(join(here, 'build'), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const r = spawnSync(
  compiler,
  // -ffp-contract=off: no fused multiply-add, whatever the target, so every double is the one
  // JavaScript computes and the answers stay identical to the TypeScript engine's.
  ['-O3', '-ffp-contract=off', '-std=c++17', '-shared', '-fPIC', '-pthread', `-I${include}`, source, '-ldl', '-o', tmp],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (r.error) warn(`${compiler}: ${r.error.message}`);
if (r.status !== 0) warn(`${compiler} exited with ${r.status}`);
renameSync(tmp, out); // whole or not at all: a process loading it never sees half a file
