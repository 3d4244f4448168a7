// The demo's first start (`npm start`: BENCH_DEMO_SUBSCRIBERS, default 20,000,
// subscribers x 15 days) from an empty work directory until it is ready, phase
// by phase: simulate (which writes the signaling split per operator and day),
// the 45 daily runs (native stay engine, carries included), start; the scoring
// that follows ready. Then the daily run per record against compute on the same
// records (issue 26: as fast per record).
// The peer, measured in the same run on the same world: the path as it was
// (gzip day files, split per operator and day, the daily runs on the
// TypeScript engine building every day's snapshot), with the world's pseudonym
// keys, whose snapshots must be byte-identical to the demo's. The goal (issue
// 26) is ready in <= 40 s on a quiet machine: the load average and the CPU time
// are printed with the figures.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DAYS, DEMO_PORTS, type DemoWorld, operatorsOf, splitSignaling, startDemo } from '@itinerary-card/cli';
import { addDays, OPERATORS, type Operator } from '@itinerary-card/domain';
import { compute, DaySession, publishSnapshot, runDailyDay } from '@itinerary-card/pipeline';
import { simulate } from '@itinerary-card/simulator';
import { freePortRun } from '@itinerary-card/store/testing';

const SUBSCRIBERS = Number(process.env.BENCH_DEMO_SUBSCRIBERS ?? '20000');

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The demo's daily runs as they were (apps/cli/src/demo/world.ts) over another split directory, into `nodes`. */
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
        await runDailyDay({
          input: dayInput,
          data,
          day,
          operator: op,
          pseudonymKey: world.pseudonymKeys[op],
          now,
          nativeEngine: false,
        });
      }
      const data = join(nodes, op, 'data');
      if (existsSync(join(data, 'snapshots', world.date))) publishSnapshot(data, world.date, now);
    }),
  );
}

/**
 * The daily run against `compute` per record, on the same records in the same run: one
 * operator's 15 day parts of the demo's world, run day by day with their carries (each
 * day on its own, with its own DuckDB and registries, as `pipeline run-day` runs it; and
 * all in one DaySession, as the demo and a schedule pass run them), and by one compute
 * over the 15 days (window 14, look-back 1).
 */
async function perRecord(worldDir: string, world: Omit<DemoWorld, 'dir' | 'reused'>): Promise<void> {
  const op: Operator = 'cmcc';
  const days = Array.from({ length: DEMO_DAYS }, (_, i) => addDays(world.date, i - DEMO_DAYS));
  const now = Date.parse(`${world.date}T08:00:00+08:00`);
  const cpuOf = async (f: () => Promise<number>) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const records = await f();
    const c = process.cpuUsage(c0);
    return { records, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
  const daily = (session?: DaySession) =>
    cpuOf(async () => {
      const data = mkdtempSync(join(tmpdir(), 'bench-daily-'));
      let records = 0;
      try {
        for (const day of days) {
          const input = join(worldDir, 'split', op, day);
          if (!existsSync(join(input, 'signaling'))) continue;
          const r = await runDailyDay({
            input,
            data,
            day,
            operator: op,
            pseudonymKey: world.pseudonymKeys[op],
            now,
            snapshot: false,
            session,
          });
          records += r.recordsRead;
        }
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
      return records;
    });
  const alone = await daily();
  const session = new DaySession();
  const shared = await daily(session).finally(() => session.close());
  // compute's input: the same parts, as one input directory.
  const input = mkdtempSync(join(tmpdir(), 'bench-compute-'));
  mkdirSync(join(input, 'signaling'));
  symlinkSync(join(world.inputDir, 'cells.csv'), join(input, 'cells.csv'));
  symlinkSync(join(worldDir, 'nodes', op, 'subscribers.csv'), join(input, 'subscribers.csv'));
  for (const day of days) {
    const part = join(worldDir, 'split', op, day, 'signaling', 'part-0.csv');
    if (existsSync(part)) symlinkSync(part, join(input, 'signaling', `${day}.csv`));
  }
  const whole = await cpuOf(async () => {
    const r = await compute({ input, date: world.date, days: 14, lookbackDays: 1, now });
    return r.summary.recordsRead;
  }).finally(() => rmSync(input, { recursive: true, force: true }));
  const us = (x: { cpuMs: number; records: number }) => (x.cpuMs * 1000) / Math.max(1, x.records);
  const row = (label: string, x: typeof whole) =>
    `  ${label.padEnd(28)} ${us(x).toFixed(2)} us CPU/record (${x.records.toLocaleString('en')} records, wall ${s(x.ms)}, CPU ${s(x.cpuMs)}) = ${(us(x) / us(whole)).toFixed(2)}x compute's`;
  process.stdout.write(
    [
      `daily run per record against compute, ${op}'s ${DEMO_DAYS} days of the demo world (goal: as fast per record as compute); ${load()}`,
      row('compute (15 days at once)', whole),
      row('daily runs in one session', shared),
      row('daily runs each on its own', alone),
      '',
    ].join('\n'),
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
    const cpu0 = process.cpuUsage();
    const demo = await startDemo(
      {
        subscribers: SUBSCRIBERS,
        port: await freePortRun(DEMO_PORTS),
        host: '127.0.0.1',
        seed: 1,
        workDir: join(dir, 'work'),
      },
      () => {},
    );
    const readyMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    await demo.close();
    const world = JSON.parse(readFileSync(join(demo.worldDir, 'ready.json'), 'utf8')) as Omit<
      DemoWorld,
      'dir' | 'reused'
    >;
    const t = world.timings as Record<string, number>;
    const simulateMs = t.simulateMs ?? 0;
    const readyLoad = load();
    const splitMs = t.splitMs ?? 0;
    const runsMs = t.pipelineMs ?? 0;
    const startMs = readyMs - simulateMs - splitMs - runsMs;
    const records = world.runs.reduce((n, r) => n + r.recordsRead, 0);
    process.stdout.write(
      [
        `demo first start: ${SUBSCRIBERS} subscribers x ${DEMO_DAYS} days, ready in ${s(readyMs)} (goal <= 40 s on a quiet machine); CPU ${s((cpu.user + cpu.system) / 1000)} (all threads); ${readyLoad}`,
        `  simulate        ${s(simulateMs)}, CPU ${s(t.simulateCpuMs ?? 0)} (writes the signaling split per operator and day, plain CSV parts)`,
        `  split           ${s(splitMs)}, CPU ${s(t.splitCpuMs ?? 0)} (links each day's part)`,
        `  daily runs      ${s(runsMs)}, CPU ${s(t.pipelineCpuMs ?? 0)} (${world.runs.length} runs, 3 operators side by side, native stay engine, ${records.toLocaleString('en')} records read)`,
        `  start           ${s(startMs)} (servers, porting registry, cases; the two databases start in worker threads during the phases above, their CPU counted there)`,
        `  score           ${t.evaluateMs === undefined ? '-' : s(t.evaluateMs)}, CPU ${s(t.evaluateCpuMs ?? 0)} (accuracy d7 and d14, after ready)`,
        `  peak RSS        ${(peak / 2 ** 20).toFixed(0)} MB (the whole demo process)`,
        '',
      ].join('\n'),
    );

    await perRecord(demo.worldDir, world);

    // The peer: the path as it was, on the same world (same seed), with the world's keys.
    const p0 = performance.now();
    const peerCpu0 = process.cpuUsage();
    const old = await simulate({
      out: join(dir, 'peer-world'),
      subscribers: SUBSCRIBERS,
      days: DEMO_DAYS,
      endDate: addDays(world.date, -1),
      seed: 1,
      format: 'csv.gz',
    });
    const peerSimulateMs = performance.now() - p0;
    const owner = operatorsOf(readFileSync(join(old.inputDir, 'subscribers.csv'), 'utf8'));
    const s0 = performance.now();
    await splitSignaling(join(old.inputDir, 'signaling'), owner, join(dir, 'peer-split'));
    const peerSplitMs = performance.now() - s0;
    const nodes = join(dir, 'peer-nodes');
    for (const op of OPERATORS) {
      mkdirSync(join(nodes, op), { recursive: true });
      writeFileSync(
        join(nodes, op, 'subscribers.csv'),
        readFileSync(join(demo.worldDir, 'nodes', op, 'subscribers.csv')),
      );
    }
    const r0 = performance.now();
    await dailyRuns({ ...world, inputDir: old.inputDir }, join(dir, 'peer-split'), nodes);
    const peerRunsMs = performance.now() - r0;
    const peerCpu = process.cpuUsage(peerCpu0);
    const f = (root: string, op: Operator, date: string) => join(root, op, 'data', 'snapshots', date, 'snapshot.jsonl');
    const dates = [addDays(world.date, -1), world.date];
    const same = OPERATORS.filter((op) =>
      dates.every((d) => sha(f(join(demo.worldDir, 'nodes'), op, d)) === sha(f(nodes, op, d))),
    );
    const peerMs = peerSimulateMs + peerSplitMs + peerRunsMs;
    const ours = simulateMs + splitMs + runsMs;
    const oursCpu = (t.simulateCpuMs ?? 0) + (t.splitCpuMs ?? 0) + (t.pipelineCpuMs ?? 0);
    const peerCpuMs = (peerCpu.user + peerCpu.system) / 1000;
    process.stdout.write(
      [
        `peer, the path as it was, on the same world; ${load()}`,
        `  simulate        ${s(peerSimulateMs)} (gzip day files)`,
        `  split           ${s(peerSplitMs)} (per operator and day, plain CSV parts)`,
        `  daily runs      ${s(peerRunsMs)} (TypeScript stay engine, every day's snapshot built)`,
        `  together        ${s(peerMs)}, CPU ${s(peerCpuMs)}, against the demo's ${s(ours)}, CPU ${s(oursCpu)} → ${(peerCpuMs / oursCpu).toFixed(2)}x less CPU (wall ${(peerMs / ours).toFixed(2)}x, at whatever load each saw)`,
        `  snapshots of ${dates.join(' and ')} against the demo's: ${same.length === OPERATORS.length ? 'byte-identical' : `DIFFER (identical only: ${same.join(', ') || 'none'})`} (${OPERATORS.join(', ')})`,
        `  accuracy (demo) d7 cities ${JSON.stringify(world.accuracy?.d7.cities ?? null)}, status ${world.accuracy?.d7.status.accuracy}`,
        '',
      ].join('\n'),
    );
    if (same.length !== OPERATORS.length) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
