// Compiles the native stay engine (the .cc files here) into build/stay-engine.node,
// run by `npm install`. C++ against Node-API's C headers, which ship with Node
// (include/node next to the binary): one direct compiler call, where
// node-gyp would download the same headers and need Python. Without a compiler
// or the headers, the TypeScript engine serves every run (native-shard.ts) and
// this says so; it never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
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
// Up to date (newer than every source, header and this script): nothing to do. `npm test`
// calls this too, so an edited engine is never tested as its old build.
const files = readdirSync(here).filter((f) => /\.(cc|h)$/.test(f));
const sources = files.filter((f) => f.endsWith('.cc')).map((f) => join(here, f));
const newer = (a, b) => statSync(a).mtimeMs >= statSync(b).mtimeMs;
const inputs = [...files.map((f) => join(here, f)), fileURLToPath(import.meta.url)];
if (existsSync(out) && inputs.every((f) => newer(out, f))) process.exit(0);
mkdirSync(join(here, 'build'), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const r = spawnSync(
  compiler,
  // -ffp-contract=off: no fused multiply-add, whatever the target, so every double is the one
  // JavaScript computes and the answers stay identical to the TypeScript engine's.
  [
    '-O3',
    '-ffp-contract=off',
    '-std=c++17',
    '-shared',
    '-fPIC',
    '-pthread',
    `-I${include}`,
    ...sources,
    '-ldl',
    '-o',
    tmp,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (r.error) warn(`${compiler}: ${r.error.message}`);
if (r.status !== 0) warn(`${compiler} exited with ${r.status}`);
renameSync(tmp, out); // whole or not at all: a process loading it never sees half a file
