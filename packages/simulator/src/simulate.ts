// Generates a world: DIR/input/{cells.csv, subscribers.csv, signaling/<day>.csv[.gz]|.parquet}
// in the DATA.md format, DIR/truth.jsonl (ground truth) and DIR/world.json
// (parameters and counts). Subscribers are generated one by one and their
// records spilled to hourly buckets, so memory stays bounded at any scale.
import { closeSync, createWriteStream, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip, type ZlibOptions } from 'node:zlib';
import {
  AppError,
  addDays,
  beijingDate,
  beijingDayStart,
  DAY_MS,
  formatBeijing,
  isIsoDate,
  OPERATORS,
} from '@itinerary-card/domain';
import { buildCells, cellId, loadCities } from './geography.ts';
import { HourBuckets, RECORD_BYTES } from './hour-buckets.ts';
import { clipPlan, makePlan, type PlanContext } from './planner.ts';
import { PERSONAS, Population } from './population.ts';
import { hashSeed, Rng, STREAM } from './rng.ts';
import { EVENTS, generateRecords, RecordBuffer } from './signaling.ts';
import { buildTruth, FLAG_EPOCH_MS, FLAG_UNKNOWN_CELL, MALFORMED_SHIFT, type TruthLine } from './truth.ts';

export type SignalingFormat = 'csv' | 'csv.gz' | 'parquet';

export interface SimulateOptions {
  out: string;
  subscribers: number;
  days: number;
  /** The last simulated day (YYYY-MM-DD); the natural query day is the day after. */
  endDate: string;
  seed: number | string;
  format?: SignalingFormat;
  onProgress?: (done: number, total: number) => void;
}

export interface SimulateResult {
  inputDir: string;
  truthFile: string;
  stats: Record<string, number>;
}

/** Per-record probabilities of the deliberate dirt. */
export const DIRT = {
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
export const MALFORMED_KINDS = ['bad_msisdn', 'bad_ts', 'missing_columns', 'garbage'] as const;

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
}

/** zlib streams take Transform options too (not in the typings): a large write buffer. */
const GZIP_OPTIONS: ZlibOptions & { highWaterMark: number } = { level: 1, highWaterMark: 4 << 20 };

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

async function writeChunk(stream: Writable, s: string): Promise<void> {
  if (!stream.write(s)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

async function endStream(stream: Writable, sink: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve);
    sink.once('error', reject);
    stream.end();
  });
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
  for (let i = 0; i < cells.id.length; i++) {
    cellsFile.write(
      `${cells.id[i]},${OPERATORS[cells.op[i]!]},${cells.lat[i]},${cells.lon[i]},${cities[cells.city[i]!]!.code}\n`,
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
      truth = { ...head, ...buildTruth(p, plan, recs, cities) };
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
  const mmss: string[] = [];
  for (let s = 0; s < 3600; s++)
    mmss.push(`${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}+08:00`);
  let prefixHour = -1;
  let prefix = '';
  const isoTs = (sec: number) => {
    const h = Math.floor(sec / 3600);
    if (h !== prefixHour) {
      prefixHour = h;
      prefix = formatBeijing(h * 3_600_000).slice(0, 14);
    }
    return prefix + mmss[sec - h * 3600]!;
  };
  const files: Array<{ name: string; lines: number; bytes: number }> = [];
  let lines = 0;
  for (let d = 0; d < opts.days; d++) {
    const date = addDays(startDate, d);
    const csvPath = join(
      sigDir,
      format === 'csv.gz' ? `${date}.csv.gz` : format === 'csv' ? `${date}.csv` : `.${date}.csv`,
    );
    const sink = createWriteStream(csvPath, { highWaterMark: 4 << 20 });
    // Large buffers let zlib (on the thread pool) compress while the next lines are formatted.
    const stream: Writable = format === 'csv.gz' ? createGzip(GZIP_OPTIONS) : sink;
    if (stream !== sink) stream.pipe(sink);
    await writeChunk(stream, 'msisdn,ts,cell_id,plmn,event\n');
    let dayLines = 0;
    for (let h = 0; h < 24; h++) {
      const { data, order } = buckets.take(d * 24 + h);
      let chunk: string[] = [];
      for (let k = 0; k < order.length; k++) {
        const o = order[k]! * RECORD_BYTES;
        const sub = data.readUInt32LE(o);
        const ts = data.readUInt32LE(o + 4);
        const loc = data.readInt32LE(o + 8);
        const ev = EVENTS[data[o + 12]!]!;
        const flags = data[o + 13]!;
        const msisdn = msisdns[sub]!;
        const tsText = d === epochDay || flags & FLAG_EPOCH_MS ? String(ts * 1000) : isoTs(ts);
        const where =
          flags & FLAG_UNKNOWN_CELL
            ? `${cellId(OPERATORS[(flags >> 5) & 3]!, loc)},`
            : loc >= 0
              ? `${cells.id[loc]},`
              : `,${plmnList[-loc - 1]}`;
        let line: string;
        switch ((flags >> MALFORMED_SHIFT) & 7) {
          case 1:
            line = `${msisdn.slice(1)},${tsText},${where},${ev}`;
            break;
          case 2:
            line = `${msisdn},${formatBeijing(ts * 1000)
              .slice(0, 16)
              .replace('T', ' ')},${where},${ev}`;
            break;
          case 3:
            line = `${msisdn},${tsText}`;
            break;
          case 4:
            line = `#@!~ corrupted block 0x${((ts ^ sub) >>> 0).toString(16)} ~!@#`;
            break;
          default:
            line = `${msisdn},${tsText},${where},${ev}`;
        }
        chunk.push(line);
        if (chunk.length === 8192) {
          await writeChunk(stream, `${chunk.join('\n')}\n`);
          chunk = [];
        }
      }
      if (chunk.length) await writeChunk(stream, `${chunk.join('\n')}\n`);
      dayLines += order.length;
    }
    await endStream(stream, sink);
    let finalPath = csvPath;
    if (format === 'parquet') {
      finalPath = join(sigDir, `${date}.parquet`);
      await csvToParquet(csvPath, finalPath);
      rmSync(csvPath);
    }
    files.push({ name: finalPath.slice(inputDir.length + 1), lines: dayLines, bytes: statSync(finalPath).size });
    lines += dayLines;
  }
  buckets.close();

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
    stats: {
      ...stats,
      generateMs: Math.round(generatedAt - t0),
      writeMs: Math.round(t1 - generatedAt),
      elapsedMs: Math.round(t1 - t0),
    },
  };
}

async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
    await conn.run(
      `COPY (SELECT * FROM read_csv(${q(csv)}, header = true, auto_detect = false, delim = ',', quote = '', escape = '',
         null_padding = true, columns = {'msisdn': 'VARCHAR', 'ts': 'VARCHAR', 'cell_id': 'VARCHAR', 'plmn': 'VARCHAR', 'event': 'VARCHAR'}))
       TO ${q(parquet)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
