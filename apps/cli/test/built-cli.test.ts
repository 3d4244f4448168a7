// The compiled CLI (`npm run build`: each workspace's dist/) runs on Node alone,
// as production does: a resolve hook given with --import fails the run on any
// TypeScript source, tsx or esbuild it would load, in the process or its worker
// threads (they inherit the flag). Its answers are the sources' answers.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { compute, writeLines } from '@itinerary-card/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(repo, 'apps', 'cli', 'bin', 'itinerary-card.js');
const dir = mkdtempSync(join(tmpdir(), 'built-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/\\.[cm]?tsx?$/.test(new URL(r.url).pathname) || /\\/node_modules\\/(tsx|esbuild|@esbuild)\\//.test(r.url))
    throw new Error('the compiled run loaded ' + r.url);
  return r;
}
`,
);
const guard = join(dir, 'guard.mjs');
writeFileSync(
  guard,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

/** Node as a deployment runs it: the guard, no NODE_OPTIONS, no node_modules/.bin on the PATH. */
const env = {
  ...process.env,
  NODE_OPTIONS: '',
  PATH: (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter),
};
const node = (args: string[]) =>
  run(process.execPath, ['--import', guard, ...args], { cwd: repo, env, maxBuffer: 1 << 26 });

describe('the compiled CLI', () => {
  beforeAll(() => {
    // Incremental: seconds when dist/ is up to date (npm install built it).
    execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'pipe' });
  }, 240_000);

  it('is what the guard lets through, and the sources are not', async () => {
    await expect(node([join(repo, 'apps', 'cli', 'bin', 'itinerary-card-dev.js'), '--help'])).rejects.toMatchObject({
      stderr: expect.stringContaining('the compiled run loaded'),
    });
    const help = await node([bin, '--help']);
    expect(help.stdout).toContain('Usage: itinerary-card');
    expect(help.stderr).toBe('');
  });

  it('simulates and computes a small world as the sources do, the stays also on the compiled worker thread', async () => {
    const sim = await node([
      bin,
      'simulate',
      '--out',
      dir,
      '--subscribers',
      '200',
      '--days',
      '8',
      '--end-date',
      '2022-09-07',
      '--seed',
      'built-cli',
    ]);
    expect(sim.stdout).toContain('records/s');
    const input = join(dir, 'input');
    const cli = join(dir, 'cli.jsonl');
    const computed = await node([bin, 'compute', '--input', input, '--date', '2022-09-08', '--out', cli]);
    expect(computed.stdout).toMatch(/stay engine\s+native\n/);

    // The package's compiled entry (its `default` export condition), the stays in TypeScript
    // split with a worker thread (dist/shard-worker.js) from the first record.
    const worker = join(dir, 'worker.jsonl');
    // Run as a `-e` script: the worker thread must not inherit its --input-type.
    const script = `import { createRequire } from 'node:module';
const entry = createRequire(${JSON.stringify(join(repo, 'package.json'))}).resolve('@itinerary-card/pipeline');
const { compute, writeLines } = await import(entry);
const res = await compute({ input: ${JSON.stringify(input)}, date: '2022-09-08', days: 7, now: Date.now(),
  nativeEngine: false, threads: 2, parallelMinRecords: 1 });
await writeLines(${JSON.stringify(worker)}, res.lines);
process.stdout.write(entry + ' ' + res.summary.engine);`;
    expect((await node(['--input-type=module', '-e', script])).stdout).toBe(
      `${join(repo, 'packages', 'pipeline', 'dist', 'index.js')} typescript`,
    );

    const sources = join(dir, 'sources.jsonl');
    const res = await compute({ input, date: '2022-09-08', days: 7, now: Date.now() });
    await writeLines(sources, res.lines);
    expect(res.lines).toHaveLength(200);
    expect(readFileSync(cli, 'utf8')).toBe(readFileSync(sources, 'utf8'));
    expect(readFileSync(worker, 'utf8')).toBe(readFileSync(sources, 'utf8'));
  });
});
