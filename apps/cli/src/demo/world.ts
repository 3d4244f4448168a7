// The demo's data: a simulated world (or the --input directory), split per
// operator and day, and each operator's daily pipeline run over the 15 days
// before the query day. Everything lands in one work directory; a finished one
// (ready.json) is reused, so a second `npm start` the same day starts at once.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AppError, addDays, type ItineraryLine, OPERATORS, type Operator } from '@itinerary-card/domain';
import {
  type DailyRunReport,
  DaySession,
  loadSnapshot,
  publishSnapshot,
  runDailyDay,
  type Snapshot,
} from '@itinerary-card/pipeline';
import { type EvalReport, evaluate, simulate } from '@itinerary-card/simulator';
import { type Progress, stepProgress } from './progress.ts';
import { fileDayOf, operatorsOf, routeLine, splitSignaling } from './split.ts';

/** Days of signaling the demo processes: the 14-day window plus one day whose open stays carry over. */
export const DEMO_DAYS = 15;

export interface DemoWorldOptions {
  workRoot: string;
  /** Query day D (Beijing) of "now". */
  date: string;
  input?: string;
  subscribers: number;
  seed: number;
}

export interface RunRecord extends DailyRunReport {
  operator: Operator;
}

export interface DemoWorld {
  dir: string;
  /** The input directory as given (the --input DIR or the simulated world's input). */
  inputDir: string;
  truthFile?: string;
  date: string;
  simulated: boolean;
  pseudonymKeys: Record<Operator, string>;
  runs: RunRecord[];
  accuracy: { d7: EvalReport; d14: EvalReport } | null;
  timings: Record<string, number>;
  reused: boolean;
}

interface ReadyFile extends Omit<DemoWorld, 'reused' | 'dir'> {}

function hasParquet(dir: string): boolean {
  return readdirSync(dir, { recursive: true }).some((f) => String(f).toLowerCase().endsWith('.parquet'));
}

export function nodeDataDir(world: { dir: string }, op: Operator): string {
  return join(world.dir, 'nodes', op, 'data');
}

/** Loads the node's snapshots for D-1 and D, published at their days' 08:00 update. */
export function loadNodeSnapshots(world: DemoWorld, op: Operator, updateTimeMs: number): Snapshot[] {
  const out: Snapshot[] = [];
  for (const date of [addDays(world.date, -1), world.date]) {
    const data = nodeDataDir(world, op);
    if (!existsSync(join(data, 'snapshots', date, 'snapshot.jsonl'))) continue;
    const publishedAt = Date.parse(`${date}T00:00:00+08:00`) + updateTimeMs;
    out.push(loadSnapshot(data, date, publishedAt, op, world.pseudonymKeys[op]));
  }
  return out;
}

export async function prepareWorld(o: DemoWorldOptions, log: (line: string) => void): Promise<DemoWorld> {
  const endDate = addDays(o.date, -1);
  const name = o.input
    ? `input-${Buffer.from(o.input).toString('base64url').slice(-24)}-${o.date}`
    : `world-${o.subscribers}-${endDate}-s${o.seed}`;
  const dir = join(o.workRoot, name);
  const readyPath = join(dir, 'ready.json');
  if (existsSync(readyPath)) {
    const ready = JSON.parse(readFileSync(readyPath, 'utf8')) as ReadyFile;
    log(`Reusing the prepared world in ${dir} (delete it to start afresh)`);
    return { ...ready, dir, reused: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const timings: Record<string, number> = {};
  let inputDir: string;
  let truthFile: string | undefined;
  let simulatedDays: string[] | undefined;

  let t0 = performance.now();
  // CPU time of the process (all threads) per phase too: on a shared machine the wall times say little.
  let c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    c0 = process.cpuUsage();
    return Math.round((c.user + c.system) / 1000);
  };
  if (o.input) {
    inputDir = o.input;
    for (const f of ['cells.csv', 'subscribers.csv', 'signaling'])
      if (!existsSync(join(inputDir, f)))
        throw new AppError('BAD_REQUEST', { reason: `${join(inputDir, f)} is missing (see DATA.md)` });
  } else {
    const bar = stepProgress(
      `Simulating ${o.subscribers} subscribers x ${DEMO_DAYS} days`,
      o.subscribers,
      'subscribers',
    );
    // The simulator writes the signaling split per operator and day (what splitSignaling makes of
    // its day files, line for line), as the world's own signaling directory: no file to write
    // whole, then read and split again.
    const world = join(dir, 'world');
    let owner: Map<string, Operator> | undefined;
    const res = await simulate({
      out: world,
      subscribers: o.subscribers,
      days: DEMO_DAYS,
      endDate,
      seed: o.seed,
      format: 'csv.gz',
      split: {
        root: join(world, 'input', 'signaling'),
        route(line, dayFile) {
          // Only for the few lines without a readable number or time (written by then).
          owner ??= operatorsOf(readFileSync(join(world, 'input', 'subscribers.csv'), 'utf8'));
          return routeLine(line, 0, 1, owner, fileDayOf(dayFile));
        },
      },
      onProgress: (done) => bar.update(done),
    });
    bar.done();
    inputDir = res.inputDir;
    truthFile = res.truthFile;
    simulatedDays = res.splitDays;
    timings.simulateMs = Math.round(performance.now() - t0);
    timings.simulateCpuMs = cpuMs();
  }

  // One input per operator: its own subscribers, all cells (ported numbers' earlier records may sit on another network's cells).
  t0 = performance.now();
  cpuMs();
  const subscribersCsv = readFileSync(join(inputDir, 'subscribers.csv'), 'utf8');
  const owner = operatorsOf(subscribersCsv);
  const [header, ...rows] = subscribersCsv.split('\n').filter((l) => l.trim() !== '');
  const opCol = header!.split(',').indexOf('operator');
  for (const op of OPERATORS) {
    mkdirSync(join(dir, 'nodes', op), { recursive: true });
    const mine = rows.filter((r) => r.split(',')[opCol] === op);
    writeFileSync(join(dir, 'nodes', op, 'subscribers.csv'), `${header}\n${mine.join('\n')}\n`);
  }
  // Parquet files cannot be split line by line here: then every node reads the whole signaling
  // directory with its own subscribers.csv (other operators' records count as unknown_subscriber).
  const parquet = hasParquet(join(inputDir, 'signaling'));
  let splitDays: string[];
  if (parquet) {
    log('Parquet signaling: each operator node reads the whole signaling directory (slower, same answers)');
    splitDays = [];
  } else if (simulatedDays) {
    // Split already, by the simulator: each day's input links its part.
    splitDays = simulatedDays;
    for (const op of OPERATORS.filter((x) => existsSync(join(inputDir, 'signaling', x))))
      for (const day of readdirSync(join(inputDir, 'signaling', op))) {
        mkdirSync(join(dir, 'split', op, day), { recursive: true });
        symlinkSync(join(inputDir, 'signaling', op, day, 'signaling'), join(dir, 'split', op, day, 'signaling'));
      }
  } else {
    const splitBar = stepProgress('Splitting signaling by operator and day', 1, 'files');
    const split = await splitSignaling(join(inputDir, 'signaling'), owner, join(dir, 'split'), (done, total) => {
      splitBar.setTotal(total);
      splitBar.update(done);
    });
    splitBar.done();
    splitDays = split.days;
  }
  timings.splitMs = Math.round(performance.now() - t0);
  timings.splitCpuMs = cpuMs();

  // Each operator's daily runs, oldest day first (stays open at midnight carry over).
  t0 = performance.now();
  const days = Array.from({ length: DEMO_DAYS }, (_, i) => addDays(o.date, i - DEMO_DAYS));
  const pseudonymKeys = Object.fromEntries(
    OPERATORS.map((op) => [op, randomBytes(24).toString('base64url')]),
  ) as Record<Operator, string>;
  const runs: RunRecord[] = [];
  const runBar = stepProgress('Operator pipelines (3 operators x 15 days)', OPERATORS.length * days.length, 'runs');
  let n = 0;
  // The three operators' nodes are independent (own input, own data directory): run them side by side,
  // which overlaps one run's file and DuckDB set-up with another's computation. With no more cores
  // than operators, each runs on one thread (DuckDB's and the stays'): three runs keep the cores busy,
  // and two threads each cost 13% more CPU for the same work (cmcc's 15 days: 14.9 -> 12.9 s).
  const threads = Math.max(1, Math.floor(availableParallelism() / OPERATORS.length));
  const runOperator = async (op: Operator) => {
    // One process runs the operator's 15 days: DuckDB, its registries and pseudonyms are set up once.
    const session = new DaySession();
    try {
      await runOperatorDays(op, session);
    } finally {
      session.close();
    }
    const data = join(dir, 'nodes', op, 'data');
    if (existsSync(join(data, 'snapshots', o.date)))
      publishSnapshot(data, o.date, Date.parse(`${o.date}T08:00:00+08:00`));
  };
  const runOperatorDays = async (op: Operator, session: DaySession) => {
    for (const day of days) {
      const dayInput = join(dir, 'split', op, day);
      if (parquet) {
        mkdirSync(dayInput, { recursive: true });
        symlinkSync(join(inputDir, 'signaling'), join(dayInput, 'signaling'));
      }
      if (!existsSync(join(dayInput, 'signaling'))) {
        runBar.update(++n, `${op} ${day}: no records`);
        continue;
      }
      symlinkSync(join(inputDir, 'cells.csv'), join(dayInput, 'cells.csv'));
      symlinkSync(join(dir, 'nodes', op, 'subscribers.csv'), join(dayInput, 'subscribers.csv'));
      const report = await runDailyDay({
        input: dayInput,
        data: join(dir, 'nodes', op, 'data'),
        day,
        operator: op,
        pseudonymKey: pseudonymKeys[op],
        now: Date.parse(`${o.date}T08:00:00+08:00`),
        // Only the snapshots of D-1 and D are served (loadNodeSnapshots): the others are not built.
        snapshot: day >= addDays(o.date, -2),
        session,
        threads,
      });
      runs.push({ ...report, operator: op });
      runBar.update(++n, `${op} ${day}`);
    }
  };
  await Promise.all(OPERATORS.map(runOperator));
  runs.sort((a, b) => a.operator.localeCompare(b.operator) || a.day.localeCompare(b.day));
  runBar.done();
  timings.pipelineMs = Math.round(performance.now() - t0);
  timings.pipelineCpuMs = cpuMs();
  if (!parquet && splitDays.length === 0) log('Warning: no signaling record had a readable time');

  const world: DemoWorld = {
    dir,
    inputDir,
    truthFile,
    date: o.date,
    simulated: !o.input,
    pseudonymKeys,
    runs,
    accuracy: null,
    timings,
    reused: false,
  };

  writeReady(world);
  return world;
}

/** Writes the world's ready.json (in one rename: a reader never sees half of it). */
function writeReady(world: DemoWorld): void {
  const { dir: _d, reused: _r, ...ready } = world;
  const path = join(world.dir, 'ready.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(ready)}\n`);
  renameSync(`${path}.tmp`, path);
}

/**
 * Scores what the nodes serve for the query day against the simulated world's truth
 * (accuracy d7 and d14), once per world: the demo does it after it is ready, and
 * ready.json gets the scores when they are done (a world reused before that is scored then).
 */
export async function scoreWorld(world: DemoWorld, served: (op: Operator) => Snapshot | undefined): Promise<void> {
  if (!world.truthFile || world.accuracy) return;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const owner = operatorsOf(readFileSync(join(world.inputDir, 'subscribers.csv'), 'utf8'));
  const linesFor = (days: 7 | 14): ItineraryLine[] => {
    const out: ItineraryLine[] = [];
    for (const [msisdn, op] of owner) {
      const a = served(op)?.lookup(msisdn, days);
      if (a) out.push({ msisdn, date: world.date, days, status: a.status, cities: a.cities, countries: a.countries });
    }
    return out;
  };
  world.accuracy = {
    d7: await evaluate({ truthFile: world.truthFile, result: linesFor(7), days: 7, date: world.date }),
    d14: await evaluate({ truthFile: world.truthFile, result: linesFor(14), days: 14, date: world.date }),
  };
  const c = process.cpuUsage(c0);
  world.timings.evaluateMs = Math.round(performance.now() - t0);
  world.timings.evaluateCpuMs = Math.round((c.user + c.system) / 1000);
  writeReady(world);
}

export type { Progress };
