// `npm run build` (and `npm install`, through prepare): compiles each workspace's
// src/ to its dist/ with `tsc -b tsconfig.build.json --noCheck` (dependency
// order, incremental), then copies what is not TypeScript (SQL migrations, plain-JS
// worker modules) beside the compiled files, so dist/ runs on Node alone.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('build: TypeScript is not installed: run `npm ci` (with the dev dependencies) to build\n');
  process.exit(1);
}
try {
  // --noCheck: emit only; `npm run typecheck` (CI, `npm run check`) checks the types. Under
  // isolatedModules the JavaScript does not depend on them; the build takes half the CPU.
  execFileSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json'), '--noCheck'], { stdio: 'inherit' });
} catch {
  process.exit(1);
}

/** Files of src/ that tsc does not emit: kept out are sources, tests and notes. */
const asset = (path) => statSync(path).isDirectory() || !['.ts', '.md'].includes(extname(path));
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    // The web package's dist/ is Vite's (the pages); its Node side compiles to lib/.
    if (!existsSync(join(dir, 'tsconfig.build.json')) || name === 'web') continue;
    cpSync(join(dir, 'src'), join(dir, 'dist'), { recursive: true, filter: asset });
  }
}
