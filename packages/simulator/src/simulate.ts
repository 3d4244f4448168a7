// Generates a world: DIR/input/{cells.csv, subscribers.csv, signaling/<day>.csv[.gz]|.parquet}
// in the DATA.md format, DIR/truth.jsonl (ground truth) and DIR/world.json
// (parameters and counts). Subscribers are generated one by one and their
// records spilled to hourly buckets, so memory stays bounded at any scale.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AppError, addDays, beijingDate, beijingDayStart, DAY_MS, isIsoDate, OPERATORS } from '@itinerary-card/domain';
import { type CoverageModel, distortRegistry, isCoverageModel } from './coverage.ts';
import {
  ByteTables,
  HEADER,
  type SignalingFormat,
  type SplitOptions,
  SplitParts,
  writeDayFile,
} from './day-file-writer.ts';
import { buildCells, distanceKm, loadCities } from './geography.ts';
import { HourBuckets } from './hour-buckets.ts';
import { clipPlan, makePlan, type PlanContext } from './planner.ts';
import { PERSONAS, Population } from './population.ts';
import { hashSeed, Rng, STREAM } from './rng.ts';
import { EVENTS, generateRecords, RecordBuffer } from './signaling.ts';
import { buildTruth, FLAG_EPOCH_MS, FLAG_UNKNOWN_CELL, MALFORMED_SHIFT, type TruthLine } from './truth.ts';

export type { SignalingFormat, SplitOptions };

export interface SimulateOptions {
  out: string;
  subscribers: number;
  days: number;
  /** The last simulated day (YYYY-MM-DD); the natural query day is the day after. */
  endDate: string;
  seed: number | string;
  format?: SignalingFormat;
  /** How border cells serve people near a border (coverage.ts); pingpong by default. */
  coverage?: CoverageModel;
  /**
   * Write the signaling split per operator and day (SplitParts: plain CSV parts under
   * `split.root`, what the demo's nodes read) instead of one file per day.
   */
  split?: SplitOptions;
  onProgress?: (done: number, total: number) => void;
}

export interface SimulateResult {
  inputDir: string;
  truthFile: string;
  stats: Record<string, number>;
  /** With `split`: the days that have a part (a line with a readable time), sorted. */
  splitDays?: string[];
}

/** Per-record probabilities of the deliberate dirt. */
const DIRT = {
  malformed: 0.0002,
  unknownCell: 0.0005,
  duplicate: 0.003,
  outOfOrder: 0.002,
  lateNextDay: 0.001,
  epochMs: 0.01,
} as const;
const DIRT_CUM = [
  DIRT.malformed,
  DIRT.malformed + DIRT.unknownCell,
  DIRT.malformed + DIRT.unknownCell + DIRT.duplicate,
  DIRT.malformed + DIRT.unknownCell + DIRT.duplicate + DIRT.outOfOrder,
  DIRT.malformed + DIRT.unknownCell + DIRT.duplicate + DIRT.outOfOrder + DIRT.lateNextDay,
] as const;
const MALFORMED_KINDS = ['bad_msisdn', 'bad_ts', 'missing_columns', 'garbage'] as const;

function validate(o: SimulateOptions): void {
  const bad = (what: string) => {
    throw new AppError('BAD_REQUEST', { reason: what });
  };
  if (!Number.isInteger(o.subscribers) || o.subscribers < 1 || o.subscribers > 20_000_000)
    bad('subscribers must be an integer from 1 to 20000000');
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 31) bad('days must be an integer from 1 to 31');
  if (!isIsoDate(o.endDate)) bad('endDate must be a date YYYY-MM-DD');
  if (o.format && !['csv', 'csv.gz', 'parquet'].includes(o.format)) bad('format must be csv, csv.gz or parquet');
  if (!o.out) bad('out directory is required');
  if (o.coverage !== undefined && !isCoverageModel(o.coverage))
    bad('coverage must be pingpong, mixing, zones, mislocated or dense');
}

/** Buffered synchronous text file (registries, truth): a few MB in flight at most. */
class TextFile {
  private fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  validate(opts);
  const t0 = performance.now();
  const format = opts.format ?? 'csv.gz';
  const seed = hashSeed(opts.seed);
  const startDate = addDays(opts.endDate, -(opts.days - 1));
  const S = beijingDayStart(startDate);
  const E = S + opts.days * DAY_MS;
  const inputDir = join(opts.out, 'input');
  const sigDir = join(inputDir, 'signaling');
  rmSync(inputDir, { recursive: true, force: true });
  mkdirSync(sigDir, { recursive: true });

  // Geography and cells.
  const cities = loadCities();
  const cells = buildCells(cities, seed);
  const cellsFile = new TextFile(join(inputDir, 'cells.csv'));
  cellsFile.write('cell_id,operator,lat,lon,region_code\n');
  const coverage = opts.coverage ?? 'pingpong';
  // The mislocated model exports a registry with errors; the network (and the truth) uses the true cells.
  const registry =
    coverage === 'mislocated'
      ? distortRegistry(cells, (c) => cities[c]!.neighbours.map((n) => n.idx), seed)
      : { lat: cells.lat, lon: cells.lon, city: cells.city, moved: 0, recoded: 0 };
  for (let i = 0; i < cells.id.length; i++) {
    cellsFile.write(
      `${cells.id[i]},${OPERATORS[cells.op[i]!]},${registry.lat[i]},${registry.lon[i]},${cities[registry.city[i]!]!.code}\n`,
    );
  }
  cellsFile.close();

  const cum = (idx: number[]) => {
    const c = new Float64Array(idx.length);
    let s = 0;
    idx.forEach((i, k) => {
      s += cities[i]!.weight;
      c[k] = s;
    });
    return c;
  };
  const connected = cities.filter((c) => c.neighbours.length > 0).map((c) => c.idx);
  const planCtx: PlanContext = {
    cities,
    homeCum: cum(cities.map((c) => c.idx)),
    connected,
    connectedCum: cum(connected),
    hubs: cities.filter((c) => c.weight >= 4).map((c) => c.idx),
    startMs: S,
    endMs: E,
    coverage,
    ...(coverage === 'dense' ? { dense: densePairs(cities, cum) } : {}),
  };
  const plmnList: string[] = [];
  const plmnIdx = new Map<string, number>();
  const signalCtx = {
    cells,
    startMs: S,
    endMs: E,
    plmnIndex(p: string): number {
      let i = plmnIdx.get(p);
      if (i === undefined) {
        i = plmnList.length;
        plmnList.push(p);
        plmnIdx.set(p, i);
      }
      return i;
    },
  };

  const population = new Population(seed, S, E);
  const buckets = new HourBuckets(join(opts.out, '.spill'), S / 1000);
  const subsFile = new TextFile(join(inputDir, 'subscribers.csv'));
  subsFile.write('msisdn,operator,activated_at,ported_at,kind,primary_msisdn\n');
  const truthFile = join(opts.out, 'truth.jsonl');
  const truthOut = new TextFile(truthFile);
  const msisdns: string[] = new Array(opts.subscribers);
  const msisdnBytes = Buffer.alloc(opts.subscribers * 11);
  const operatorOf = new Uint8Array(opts.subscribers);
  const recs = new RecordBuffer();
  const counts: Record<string, number> = {};
  const inc = (k: string, n = 1) => {
    counts[k] = (counts[k] ?? 0) + n;
  };
  const eventCounts = new Float64Array(EVENTS.length);
  let prevTruth: TruthLine | undefined;
  const lastDayStartSec = (E - DAY_MS) / 1000;

  for (let i = 0; i < opts.subscribers; i++) {
    const p = population.profile(i);
    msisdns[i] = p.msisdn;
    msisdnBytes.write(p.msisdn, i * 11, 'latin1');
    operatorOf[i] = OPERATORS.indexOf(p.operator);
    const primaryMsisdn = p.primaryIndex !== null ? msisdns[p.primaryIndex] : undefined;
    subsFile.write(
      `${p.msisdn},${p.operator},${beijingDate(p.activatedAtMs)},${p.portedAtMs !== null ? beijingDate(p.portedAtMs) : ''},${p.registryKind},${primaryMsisdn ?? ''}\n`,
    );
    inc(`persona.${p.persona}`);
    inc(`kind.${p.numberKind}`);
    const head = {
      msisdn: p.msisdn,
      operator: p.operator,
      kind: p.registryKind,
      numberKind: p.numberKind,
      persona: p.persona,
      activatedAt: beijingDate(p.activatedAtMs),
    };
    let truth: TruthLine;
    if (p.primaryIndex !== null && prevTruth) {
      // A secondary number has no signaling of its own: its itinerary is the primary's.
      truth = {
        ...head,
        ...(p.portedAtMs !== null ? { portedAt: beijingDate(p.portedAtMs) } : {}),
        primaryMsisdn,
        stays: prevTruth.stays,
        abroad: prevTruth.abroad,
        obsDays: prevTruth.obsDays,
      };
    } else {
      const plan = clipPlan(makePlan(p.persona, planCtx, new Rng(seed, STREAM.plan, i)), p.activatedAtMs);
      const opAt = (ms: number) => (p.portedAtMs !== null && ms < p.portedAtMs ? p.previousOperator : p.operator);
      generateRecords(plan, opAt, signalCtx, new Rng(seed, STREAM.events, i), recs);
      // Dirt: decided per record before the truth, which counts only what the pipeline can use.
      const dirt = new Rng(seed, STREAM.dirt, i);
      const emit = new Float64Array(recs.n);
      const dup = new Uint8Array(recs.n);
      for (let r = 0; r < recs.n; r++) {
        const ts = recs.ts[r]!;
        emit[r] = ts;
        const x = dirt.next();
        if (x < DIRT_CUM[0]) {
          const k = 1 + dirt.int(4);
          recs.flags[r]! |= k << MALFORMED_SHIFT;
          inc(`dirt.malformed.${MALFORMED_KINDS[k - 1]}`);
        } else if (x < DIRT_CUM[1]) {
          if (recs.loc[r]! >= 0) {
            // An id of the same operator that no cell has; the operator rides in flag bits 5-6.
            const cop = cells.op[recs.loc[r]!]!;
            recs.flags[r]! |= FLAG_UNKNOWN_CELL | (cop << 5);
            recs.loc[r] = cells.perOperator[cop]! + 1_000_000 + dirt.int(1_000_000);
            inc('dirt.unknownCell');
          }
        } else if (x < DIRT_CUM[2]) {
          dup[r] = 1;
          inc('dirt.duplicates');
        } else if (x < DIRT_CUM[3]) {
          const late = ts + 120 + dirt.int(1080);
          if (late < E / 1000) {
            emit[r] = late;
            inc('dirt.outOfOrder');
          }
        } else if (x < DIRT_CUM[4]) {
          if (ts < lastDayStartSec) {
            const next = Math.floor((ts * 1000 - S) / DAY_MS + 1) * (DAY_MS / 1000) + S / 1000;
            emit[r] = next + dirt.int(6 * 3600);
            inc('dirt.lateNextDay');
          }
        }
        if (dirt.next() < DIRT.epochMs) recs.flags[r]! |= FLAG_EPOCH_MS;
      }
      for (let r = 0; r < recs.n; r++) {
        const loc = recs.loc[r]!;
        const flags = recs.flags[r]!;
        buckets.add(emit[r]!, i, recs.ts[r]!, loc, recs.ev[r]!, flags);
        if (dup[r]) buckets.add(emit[r]!, i, recs.ts[r]!, loc, recs.ev[r]!, flags);
        eventCounts[recs.ev[r]!]!++;
      }
      inc('records', recs.n);
      const borderKm = homeBorderKm(plan.homeCity, recs, cells, cities);
      truth = {
        ...head,
        ...buildTruth(p, plan, recs, cities),
        ...(borderKm === null ? {} : { homeBorderKm: borderKm }),
      };
    }
    truthOut.write(`${JSON.stringify(truth)}\n`);
    prevTruth = truth;
    if (opts.onProgress && (i + 1) % 10_000 === 0) opts.onProgress(i + 1, opts.subscribers);
  }
  subsFile.close();
  truthOut.close();
  EVENTS.forEach((e, k) => {
    if (eventCounts[k]) counts[`event.${e}`] = eventCounts[k]!;
  });

  const generatedAt = performance.now();
  // Second pass: day files in arrival order.
  const epochDay = opts.days >= 3 ? 2 : -1; // one whole file carries epoch-ms timestamps
  const tables = new ByteTables(cells);
  const files: Array<{ name: string; lines: number; bytes: number }> = [];
  const split = opts.split ? new SplitParts(opts.split, operatorOf, HEADER) : undefined;
  let lines = 0;
  for (let d = 0; d < opts.days; d++) {
    const date = addDays(startDate, d);
    const name = `${date}.${format === 'parquet' ? 'parquet' : format}`;
    const res = await writeDayFile({
      path: join(sigDir, name),
      format,
      buckets,
      firstBucket: d * 24,
      epochMsFile: d === epochDay,
      ctx: { cells, plmns: plmnList, msisdnBytes, msisdns },
      tables,
      split,
    });
    if (!split) files.push({ name: `signaling/${name}`, ...res });
    lines += res.lines;
  }
  buckets.close();
  // (Lines per part are not counted: the parts' sizes are.)
  for (const part of split?.close() ?? [])
    files.push({ name: relative(inputDir, join(opts.split!.root, part.name)), lines: 0, bytes: part.bytes });

  const invalidLines =
    MALFORMED_KINDS.reduce((s, k) => s + (counts[`dirt.malformed.${k}`] ?? 0), 0) + (counts['dirt.unknownCell'] ?? 0);
  const stats: Record<string, number> = {
    subscribers: opts.subscribers,
    days: opts.days,
    cells: cells.id.length,
    records: counts.records ?? 0,
    lines,
    invalidLines,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    ...Object.fromEntries(Object.entries(counts).filter(([k]) => k !== 'records')),
  };
  for (const p of PERSONAS) stats[`persona.${p}`] ??= 0;
  const world = {
    seed: opts.seed,
    subscribers: opts.subscribers,
    days: opts.days,
    startDate,
    endDate: opts.endDate,
    queryDate: addDays(opts.endDate, 1),
    format,
    coverage,
    registryErrors: { moved: registry.moved, recoded: registry.recoded },
    timestamps: {
      iso: 'ISO-8601 with +08:00',
      epochMsFile: epochDay >= 0 ? `${addDays(startDate, epochDay)}` : null,
      epochMsShare: DIRT.epochMs,
    },
    dirt: DIRT,
    truth: 'truth.jsonl: one line per subscriber; times are epoch milliseconds (see packages/simulator/README.md)',
    files,
    stats,
  };
  const wf = new TextFile(join(opts.out, 'world.json'));
  wf.write(`${JSON.stringify(world, null, 2)}\n`);
  wf.close();
  opts.onProgress?.(opts.subscribers, opts.subscribers);
  const t1 = performance.now();
  return {
    inputDir,
    truthFile,
    ...(split ? { splitDays: [...split.days].sort() } : {}),
    stats: {
      ...stats,
      generateMs: Math.round(generatedAt - t0),
      writeMs: Math.round(t1 - generatedAt),
      elapsedMs: Math.round(t1 - t0),
    },
  };
}

/** The dense model's cities: those with a neighbour whose centre is under 40 km away, and those neighbours. */
function densePairs(
  cities: ReturnType<typeof loadCities>,
  cum: (idx: number[]) => Float64Array,
): { cities: number[]; cum: Float64Array; partners: Map<number, number[]> } {
  const partners = new Map<number, number[]>();
  for (const c of cities) {
    const close = c.neighbours.filter((n) => distanceKm(c, cities[n.idx]!) < 40).map((n) => n.idx);
    if (close.length) partners.set(c.idx, close);
  }
  const list = [...partners.keys()];
  return { cities: list, cum: cum(list), partners };
}

/** TruthLine.homeBorderKm: from the home city's most used cell to the nearest of the city's border points. */
function homeBorderKm(
  home: number,
  recs: RecordBuffer,
  cells: ReturnType<typeof buildCells>,
  cities: ReturnType<typeof loadCities>,
): number | null {
  const uses = new Map<number, number>();
  for (let r = 0; r < recs.n; r++) {
    const loc = recs.loc[r]!;
    if (loc >= 0 && loc < cells.city.length && cells.city[loc] === home) uses.set(loc, (uses.get(loc) ?? 0) + 1);
  }
  let cell = -1;
  let most = 0;
  for (const [c, n] of uses) {
    if (n > most || (n === most && c < cell)) {
      cell = c;
      most = n;
    }
  }
  const city = cities[home]!;
  if (cell < 0 || city.neighbours.length === 0) return null;
  const at = { lat: cells.lat[cell]!, lon: cells.lon[cell]! };
  let best = Number.POSITIVE_INFINITY;
  for (const nb of city.neighbours)
    for (const [lat, lon] of nb.border) best = Math.min(best, distanceKm(at, { lat, lon }));
  return Math.round(best * 10) / 10;
}
