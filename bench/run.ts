// `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose name
// contains one of the arguments) one after another, each in its own process so
// one benchmark's memory and threads do not disturb the next.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !wanted.length || wanted.some((w) => f.includes(w)))
  .sort();
/**
 * Node flags of a benchmark's process, as docs/deployment.md runs the server it
 * measures (the health-code bench measures its service path in its own process).
 */
const NODE_FLAGS: Record<string, string[]> = {
  'health-code.bench.ts': ['--max-semi-space-size=64'],
};
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f} ===\n`);
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      ...(NODE_FLAGS[f] ?? []),
      '--conditions=source',
      '--import',
      'tsx',
      '-e',
      `const m = await import(${JSON.stringify(`${dir}${f}`)}); await m.default();`,
    ],
    {
      stdio: 'inherit',
      env: process.env,
    },
  );
  process.stdout.write(
    `=== ${f}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s ===\n`,
  );
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
