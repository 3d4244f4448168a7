// The demo's first start (`npm start`: BENCH_DEMO_SUBSCRIBERS, default 20,000,
// subscribers x 15 days) from an empty work directory until it is ready, phase
// by phase: simulate, split per operator and day, the 45 daily runs, start and
// score. The peer, measured in the same run on the same world: the split as it
// was (gzip level 1 parts) and the same daily runs over those parts, with the
// world's pseudonym keys, whose snapshots must be byte-identical to the demo's.
// The goal (issue 26) is ready in <= 40 s on a quiet machine: the load average
// is printed with the figures.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, OPERATORS, type Operator } from '@itinerary-card/domain';
import { publishSnapshot, runDailyDay } from '@itinerary-card/pipeline';
import { startDemo } from '../apps/cli/src/commands/demo.ts';
import { operatorsOf, splitSignaling } from '../apps/cli/src/demo-split.ts';
import { DEMO_DAYS, type DemoWorld } from '../apps/cli/src/demo-world.ts';

const SUBSCRIBERS = Number(process.env.BENCH_DEMO_SUBSCRIBERS ?? '20000');

async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((ok) => {
      const srv = createServer();
      srv.once('error', () => ok(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => ok(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The demo's daily runs (demo-world.ts) over another split directory, into `nodes`. */
async function dailyRuns(world: Omit<DemoWorld, 'dir' | 'reused'>, split: string, nodes: string): Promise<void> {
  const days = Array.from({ length: DEMO_DAYS }, (_, i) => addDays(world.date, i - DEMO_DAYS));
  const now = Date.parse(`${world.date}T08:00:00+08:00`);
  await Promise.all(
    OPERATORS.map(async (op: Operator) => {
      for (const day of days) {
        const dayInput = join(split, op, day);
        if (!existsSync(join(dayInput, 'signaling'))) continue;
        symlinkSync(join(world.inputDir, 'cells.csv'), join(dayInput, 'cells.csv'));
        symlinkSync(join(nodes, op, 'subscribers.csv'), join(dayInput, 'subscribers.csv'));
        const data = join(nodes, op, 'data');
        await runDailyDay({ input: dayInput, data, day, operator: op, pseudonymKey: world.pseudonymKeys[op], now });
      }
      const data = join(nodes, op, 'data');
      if (existsSync(join(data, 'snapshots', world.date))) publishSnapshot(data, world.date, now);
    }),
  );
}

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-demo-'));
  try {
    process.stdout.write(`before: ${load()}\n`);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 100);
    const t0 = performance.now();
    const demo = await startDemo(
      {
        subscribers: SUBSCRIBERS,
        port: await freePortPair(),
        host: '127.0.0.1',
        seed: 1,
        workDir: join(dir, 'work'),
      },
      () => {},
    );
    const readyMs = performance.now() - t0;
    clearInterval(sampler);
    await demo.close();
    const world = JSON.parse(readFileSync(join(demo.worldDir, 'ready.json'), 'utf8')) as Omit<
      DemoWorld,
      'dir' | 'reused'
    >;
    const t = world.timings as Record<string, number>;
    const simulateMs = t.simulateMs ?? 0;
    const splitMs = t.splitMs ?? 0;
    const runsMs = t.pipelineMs ?? 0;
    const startMs = readyMs - simulateMs - splitMs - runsMs;
    const records = world.runs.reduce((n, r) => n + r.recordsRead, 0);
    process.stdout.write(
      [
        `demo first start: ${SUBSCRIBERS} subscribers x ${DEMO_DAYS} days, ready in ${s(readyMs)} (goal <= 40 s on a quiet machine); ${load()}`,
        `  simulate        ${s(simulateMs)}`,
        `  split           ${s(splitMs)} (per operator and day, plain CSV parts)`,
        `  daily runs      ${s(runsMs)} (${world.runs.length} runs, 3 operators side by side, ${records.toLocaleString('en')} records read)`,
        `  start and score ${s(startMs)} (accuracy d7 and d14 ${t.evaluateMs === undefined ? '' : s(t.evaluateMs)}, servers, cases)`,
        `  peak RSS        ${(peak / 2 ** 20).toFixed(0)} MB (the whole demo process)`,
        '',
      ].join('\n'),
    );

    // The peer: the earlier split (gzip parts) against this one, back to back on the same world so
    // that both see the same load, then the same daily runs over each, with the world's keys.
    const signaling = join(world.inputDir, 'signaling');
    const owner = operatorsOf(readFileSync(join(world.inputDir, 'subscribers.csv'), 'utf8'));
    const splitOnce = async (gzip: boolean): Promise<number> => {
      const out = join(dir, gzip ? 'split-gzip' : 'split-plain');
      rmSync(out, { recursive: true, force: true });
      const p0 = performance.now();
      await splitSignaling(signaling, owner, out, undefined, gzip);
      return performance.now() - p0;
    };
    const plainSplit: number[] = [];
    const gzipSplit: number[] = [];
    for (let i = 0; i < 2; i++) {
      plainSplit.push(await splitOnce(false));
      gzipSplit.push(await splitOnce(true));
    }
    const runsOver = async (gzip: boolean): Promise<{ ms: number; same: Operator[] }> => {
      const nodes = join(dir, gzip ? 'nodes-gzip' : 'nodes-plain');
      for (const op of OPERATORS) {
        mkdirSync(join(nodes, op), { recursive: true });
        writeFileSync(
          join(nodes, op, 'subscribers.csv'),
          readFileSync(join(demo.worldDir, 'nodes', op, 'subscribers.csv')),
        );
      }
      const p0 = performance.now();
      await dailyRuns(world, join(dir, gzip ? 'split-gzip' : 'split-plain'), nodes);
      const ms = performance.now() - p0;
      const f = (root: string, op: Operator) => join(root, op, 'data', 'snapshots', world.date, 'snapshot.jsonl');
      return { ms, same: OPERATORS.filter((op) => sha(f(join(demo.worldDir, 'nodes'), op)) === sha(f(nodes, op))) };
    };
    const plainRuns = await runsOver(false);
    const gzipRuns = await runsOver(true);
    const min = (xs: number[]) => Math.min(...xs);
    const identical = (r: { same: Operator[] }) =>
      r.same.length === OPERATORS.length ? 'byte-identical' : `DIFFER (identical only: ${r.same.join(', ') || 'none'})`;
    process.stdout.write(
      [
        `peer, back to back on the same world (best of 2 for the split); ${load()}`,
        `  split           plain parts ${s(min(plainSplit))}, gzip parts as before ${s(min(gzipSplit))} → ${(min(gzipSplit) / min(plainSplit)).toFixed(2)}x faster`,
        `  daily runs      over plain parts ${s(plainRuns.ms)}, over gzip parts ${s(gzipRuns.ms)} → ${(gzipRuns.ms / plainRuns.ms).toFixed(2)}x faster`,
        `  snapshots of ${world.date} against the demo's: plain ${identical(plainRuns)}, gzip ${identical(gzipRuns)} (${OPERATORS.join(', ')})`,
        `  accuracy (demo) d7 cities ${JSON.stringify(world.accuracy?.d7.cities ?? null)}, status ${world.accuracy?.d7.status.accuracy}`,
        '',
      ].join('\n'),
    );
    const same = [...plainRuns.same, ...gzipRuns.same];
    if (same.length !== 2 * OPERATORS.length) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
