// The operator node's daily operation: each day's run reads that day's
// signaling plus the stays carried over from the day before, writes the day's
// per-subscriber summary (pseudonymised), and builds the snapshot for the next
// query day as the union of the last 7 and 14 daily summaries. Publishing it is
// a separate atomic step taken at the daily update time.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { AppError, addDays, isIsoDate, maskPhone, type Operator, type SubscriberKind } from '@itinerary-card/domain';
import type { CarryColumns, EngineParams } from '@itinerary-card/stay-engine';
import { subscriberAnswer } from '../compute/compute.ts';
import { crashPoint, recoverLeftovers, replaceDirAtomic, writeFileAtomic } from '../publish/atomic-files.ts';
import { type FileIndex, homeDay, readStoredIndex } from '../read/file-index.ts';
import { inspectInput } from '../read/input-dir.ts';
import { keyFingerprint, pseudonymizer } from '../read/pseudonym.ts';
import { Quarantine } from '../read/quarantine.ts';
import { loadRegistries, type Registries } from '../read/registry.ts';
import {
  type CarryFile,
  CarryGather,
  FileCarries,
  pseudonymOrder,
  readCarryFile,
  writeCarryFile,
} from './carry-file.ts';
import { type DayRunContext, type DayRunOptions, type DayRunStats, type DaySession, runDays } from './day-run.ts';
import { CarryColumnsCodec, type StoredCarry } from './stored-carry.ts';

export interface DailyRunOptions {
  input: string;
  data: string;
  /** The day whose signaling is processed (YYYY-MM-DD); the snapshot built serves day+1. */
  day: string;
  operator: Operator;
  pseudonymKey: string;
  now: number;
  params?: EngineParams;
  shardRecords?: number;
  threads?: number;
  parallelMinRecords?: number;
  /**
   * False leaves the snapshot of day+1 unbuilt (a run catching up on days whose snapshots
   * nobody serves: the demo's); ensureSnapshot builds it when it is wanted.
   */
  snapshot?: boolean;
  /** False runs the stays in TypeScript even where the native engine is built (DayRunOptions.nativeEngine). */
  nativeEngine?: boolean;
  onProgress?: DayRunOptions['onProgress'];
  /** Test hook: the step at which the process kills itself (atomic-files.ts crashPoint). */
  crashAt?: string;
  /**
   * Consecutive days run in one process share one (day-run.ts DaySession): DuckDB, the
   * registries, the cell model and the pseudonyms are set up once, not once a day.
   */
  session?: DaySession;
}

export interface DailyRunReport {
  day: string;
  snapshotDate: string;
  recordsRead: number;
  recordsUsed: number;
  rejected: Record<string, number>;
  subscribers: number;
  subscribersWithRecords: number;
  carried: number;
  durationMs: number;
  /** Signaling files this day's run counts as unreadable (input lost; each file counted by one day, its home day). */
  unreadableFiles: number;
  /** Stable codes of what is wrong with the day's input: DAY_WITHOUT_RECORDS. */
  warnings: string[];
}

/**
 * How a day's summary was made, kept in its run.json: the next passes of the
 * schedule compare it with the input and the day before to find the days to run again.
 */
export interface DayState {
  day: string;
  /** What the run read (file-index.ts dayInputs). */
  inputs: NonNullable<DayRunStats['inputs']>;
  /** The carry it started from (the day before's carryHash), null without one. */
  carryIn: string | null;
  carryHash: string;
  summaryHash: string;
  recordsUsed: number;
  unreadableFiles: number;
  warnings: string[];
}

/** The carries out of a session's last run, as its carry.bin holds them. */
interface HeldCarries {
  /** The data directory (resolved) and the day of the run, and the hash of its carry.bin. */
  data: string;
  day: string;
  hash: string;
  file: CarryFile;
}

/**
 * The carries a day's run left in its directory: its carry.bin, or the carry.jsonl of a run
 * before carry.bin (by pseudonym), or none.
 */
function readStoredCarries(dir: string): CarryFile | Map<string, StoredCarry> {
  const bin = join(dir, 'carry.bin');
  if (existsSync(bin)) return readCarryFile(readFileSync(bin));
  return new Map(readJsonLines<StoredCarry & { p: string }>(join(dir, 'carry.jsonl')).map((r) => [r.p, r]));
}

interface DaySummary {
  c: string[];
  k: string[];
}

const daysDir = (data: string) => join(data, 'days');
const snapshotsDir = (data: string) => join(data, 'snapshots');
const hashOf = (text: string | Uint8Array) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** A day's state (run.json), or undefined when the day has no complete summary of this kind. */
export function readDayState(data: string, day: string): DayState | undefined {
  const path = join(daysDir(data), day, 'run.json');
  if (!existsSync(path)) return undefined;
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<DayState>;
    return j.summaryHash && j.carryHash && j.inputs ? (j as DayState) : undefined;
  } catch {
    return undefined;
  }
}

/** Puts right what killed runs left in the data directory (atomic-files.ts recoverLeftovers). */
export function recoverDataDir(data: string): string[] {
  return [data, daysDir(data), snapshotsDir(data)].flatMap((d) => recoverLeftovers(d));
}

function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: T[] = [];
  for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
  return out;
}

/** The lines of a day's summary, or undefined when that day has none. */
function readSummary(data: string, day: string): Array<{ p: string } & DaySummary> | undefined {
  const path = join(daysDir(data), day, 'summary.jsonl');
  if (!existsSync(path)) return undefined;
  return readJsonLines<{ p: string } & DaySummary>(path);
}

/**
 * A subscriber's cities and countries over the last 7 and 14 days. The arrays
 * are never changed in place (a day's own array is shared until a later day
 * adds to it), so most subscribers, in the same places day after day, cost no copy.
 */
interface Windows {
  in7: boolean;
  c7: readonly string[];
  k7: readonly string[];
  c14: readonly string[];
  k14: readonly string[];
}

/** JSON.stringify of the codes of `idx`, sorted (a summary line's c or k), most often of one code. */
function codesJson(idx: readonly number[], codes: readonly string[]): string {
  if (idx.length === 0) return '[]';
  if (idx.length === 1) return `[${JSON.stringify(codes[idx[0]!]!)}]`;
  return JSON.stringify(idx.map((x) => codes[x]!).sort());
}

function union(into: readonly string[], add: readonly string[]): readonly string[] {
  let out: string[] | undefined;
  for (const x of add) {
    if ((out ?? into).includes(x)) continue;
    out ??= [...into];
    out.push(x);
  }
  return out ?? into;
}

export async function runDailyDay(opts: DailyRunOptions): Promise<DailyRunReport> {
  const t0 = performance.now();
  if (!isIsoDate(opts.day)) throw new RangeError(`not a day: ${opts.day}`);
  recoverDataDir(opts.data);
  const keyOf = pseudonymizer(opts.pseudonymKey);
  const before = addDays(opts.day, -1);
  const carryIn = readDayState(opts.data, before)?.carryHash ?? null;
  // A session's run of the day before kept its carries: those of its carry.bin, when the day's
  // run.json on disk names their hash (else that day was written since: the file is read).
  const held = opts.session?.memo(`carries:${keyFingerprint(opts.pseudonymKey)}`, (): { last?: HeldCarries } => ({}));
  const last = held?.last;
  if (held) held.last = undefined;
  const stored =
    last && last.data === resolve(opts.data) && last.day === before && last.hash === carryIn
      ? last.file
      : readStoredCarries(join(daysDir(opts.data), before));
  let ctx!: DayRunContext;
  // Pseudonyms by subscriber index, made as needed: a session's runs share them (same registries, same key).
  let pseudo: string[] = [];
  const pseudoOf = (sub: number) => {
    let p = pseudo[sub];
    if (p === undefined) {
      p = keyOf(ctx.registries.subscribers[sub]!.msisdn);
      pseudo[sub] = p;
    }
    return p;
  };
  let codec!: CarryColumnsCodec;
  let fromFile: FileCarries | undefined;
  // Each subscriber's summary line by its index; the lines start with its pseudonym (JSON.stringify
  // of a base64url text is the text in quotes), so the pseudonyms' order is the lines' order.
  const lines: string[] = [];
  let heads: string[] = [];
  const headOf = (sub: number) => {
    let h = heads[sub];
    if (h === undefined) {
      h = `{"p":${JSON.stringify(pseudoOf(sub))},"c":`;
      heads[sub] = h;
    }
    return h;
  };
  // The carries out: in one piece from a native one-shard run, else gathered one by one.
  let carriesOut: CarryColumns | undefined;
  const gather = new CarryGather();
  const run = await runDays(
    {
      input: opts.input,
      firstDay: opts.day,
      dayCount: 1,
      fileIndex: join(opts.data, 'file-index.json'),
      now: opts.now,
      params: opts.params,
      shardRecords: opts.shardRecords,
      threads: opts.threads,
      parallelMinRecords: opts.parallelMinRecords,
      nativeEngine: opts.nativeEngine,
      onProgress: opts.onProgress,
      session: opts.session,
      carries: (sub) => {
        if (fromFile) return fromFile.carry(sub, pseudoOf(sub));
        const c = (stored as Map<string, StoredCarry>).get(pseudoOf(sub));
        return c ? codec.decode(c) : null;
      },
      // The native engine's carries go in and come out as columns: no Carry per subscriber.
      carryColumns: (subscribers) => {
        if (fromFile) return fromFile.columns(subscribers, pseudoOf);
        for (let sub = 0; sub < subscribers; sub++) {
          const c = (stored as Map<string, StoredCarry>).get(pseudoOf(sub));
          if (c) codec.decodeInto(sub, c);
        }
        return codec.take();
      },
      onCarryColumns: (out) => {
        carriesOut = out;
      },
    },
    (sub, days, carry) => {
      const d = days[0]!;
      if (d.hadRecord) {
        const c = codesJson(d.cities, ctx.registries.cityCodes);
        lines[sub] = `${headOf(sub)}${c},"k":${codesJson(d.countries, ctx.countries.codes)}}`;
      }
      if (carry) gather.add(sub, carry);
    },
    (c) => {
      ctx = c;
      codec = new CarryColumnsCodec(c.registries, c.countries);
      if (!(stored instanceof Map)) fromFile = new FileCarries(stored, c.registries, c.countries);
      if (opts.session) {
        pseudo = opts.session.memo(`pseudonyms:${keyFingerprint(opts.pseudonymKey)}`, () => []);
        heads = opts.session.memo(`summary-heads:${keyFingerprint(opts.pseudonymKey)}`, () => []);
      }
    },
  );
  // The subscribers in their pseudonyms' order, the summaries' and the carries' (a session's runs share it).
  const orderOf = () => pseudonymOrder(ctx.registries.subscribers.length, pseudoOf);
  const byPseudonym = opts.session
    ? opts.session.memo(`order:${keyFingerprint(opts.pseudonymKey)}`, orderOf)
    : orderOf();
  const summaries: string[] = [];
  for (const sub of byPseudonym) {
    const line = lines[sub];
    if (line !== undefined) summaries.push(line);
  }
  const summaryText = summaries.length ? `${summaries.join('\n')}\n` : '';
  const carried = writeCarryFile(carriesOut ?? gather.columns(), pseudoOf, ctx.registries, ctx.countries, byPseudonym);
  const unreadableFiles = run.quarantine.counts.get('unreadable_file') ?? 0;
  // A day that read nothing while the input holds earlier days is a missing delivery, not a quiet day.
  const warnings =
    run.recordsUsed === 0 && run.firstRecordDay !== undefined && run.firstRecordDay < opts.day
      ? ['DAY_WITHOUT_RECORDS']
      : [];
  const state: DayState = {
    day: opts.day,
    inputs: run.inputs ?? [],
    carryIn,
    carryHash: hashOf(carried.bytes),
    summaryHash: hashOf(summaryText),
    recordsUsed: run.recordsUsed,
    unreadableFiles,
    warnings,
  };
  replaceDirAtomic(
    join(daysDir(opts.data), opts.day),
    (tmp) => {
      writeFileSync(join(tmp, 'summary.jsonl'), summaryText);
      writeFileSync(join(tmp, 'carry.bin'), carried.bytes);
      // Samples of rejected lines are kept with the day's derived data: numbers masked like everywhere else.
      const masked = run.quarantine.samples.map((s) => ({
        ...s,
        text: s.text.replace(/1[3-9]\d{9}/g, (m) => maskPhone(m)),
      }));
      writeFileSync(join(tmp, 'quarantine.jsonl'), masked.map((s) => `${JSON.stringify(s)}\n`).join(''));
      writeFileSync(
        join(tmp, 'run.json'),
        `${JSON.stringify({ operator: opts.operator, recordsRead: run.recordsRead, rejected: run.quarantine.toJSON(), ...state }, null, 2)}\n`,
      );
    },
    () => crashPoint(opts.crashAt, 'day-swap'),
  );
  crashPoint(opts.crashAt, 'day-written');
  if (held) held.last = { data: resolve(opts.data), day: opts.day, hash: state.carryHash, file: carried.file };
  const snapshotDate = addDays(opts.day, 1);
  // (A snapshot has a line per subscriber of the registry.)
  const subscribers =
    opts.snapshot === false
      ? ctx.registries.subscribers.length
      : buildSnapshotFiles(
          opts.data,
          snapshotDate,
          opts.operator,
          ctx.registries,
          pseudoOf,
          keyOf,
          keyFingerprint(opts.pseudonymKey),
          opts.crashAt,
        );
  if (opts.snapshot !== false) crashPoint(opts.crashAt, 'snapshot-written');
  const report: DailyRunReport = {
    day: opts.day,
    snapshotDate,
    recordsRead: run.recordsRead,
    recordsUsed: run.recordsUsed,
    rejected: run.quarantine.toJSON(),
    subscribers,
    subscribersWithRecords: run.subscribersWithRecords,
    carried: carried.file.p.length,
    durationMs: Math.round(performance.now() - t0),
    unreadableFiles,
    warnings,
  };
  writeFileAtomic(join(daysDir(opts.data), opts.day, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** The summaries a snapshot for query day `date` is the union of: each day's summary hash (null: none). */
function snapshotSources(data: string, date: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (let i = 1; i <= 14; i++) {
    const day = addDays(date, -i);
    out[day] = readDayState(data, day)?.summaryHash ?? null;
  }
  return out;
}

interface SnapshotMetaFile {
  operator: Operator;
  date: string;
  subscribers: number;
  /** Hash of snapshot.jsonl: published.json names it, so a rebuilt snapshot is published again. */
  build?: string;
  /** HMAC of a fixed label under the pseudonym key: a node with another key refuses the snapshot. */
  keyFingerprint?: string;
  sources?: Record<string, string | null>;
}

function readSnapshotMeta(data: string, date: string): SnapshotMetaFile | undefined {
  const dir = snapshotDir(data, date);
  if (!existsSync(join(dir, 'snapshot.jsonl')) || !existsSync(join(dir, 'meta.json'))) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SnapshotMetaFile;
  } catch {
    return undefined;
  }
}

/**
 * Whether the snapshot of `date` exists and was built from the daily summaries
 * there now; days before `since` (gone to retention since) are not compared.
 */
export function snapshotIsCurrent(data: string, date: string, since = ''): boolean {
  const meta = readSnapshotMeta(data, date);
  if (!meta?.sources) return false;
  const now = snapshotSources(data, date);
  return Object.keys(now).every((d) => d < since || meta.sources![d] === now[d]);
}

/**
 * Builds the snapshot of query day `date` from the stored summaries when it is
 * missing or was built from other ones (a run killed before it, a day run
 * again since). Returns whether it built one.
 */
export async function ensureSnapshot(opts: {
  input: string;
  data: string;
  date: string;
  operator: Operator;
  pseudonymKey: string;
  /** Days before this one are not compared (see snapshotIsCurrent). */
  since?: string;
  crashAt?: string;
}): Promise<boolean> {
  if (snapshotIsCurrent(opts.data, opts.date, opts.since)) return false;
  const input = await inspectInput(opts.input);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  let registries: Registries;
  try {
    registries = await loadRegistries(conn, input, new Quarantine(0));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const keyOf = pseudonymizer(opts.pseudonymKey);
  const pseudo: string[] = [];
  const pseudoOf = (i: number) => {
    pseudo[i] ??= keyOf(registries.subscribers[i]!.msisdn);
    return pseudo[i]!;
  };
  buildSnapshotFiles(
    opts.data,
    opts.date,
    opts.operator,
    registries,
    pseudoOf,
    keyOf,
    keyFingerprint(opts.pseudonymKey),
    opts.crashAt,
  );
  return true;
}

/**
 * Snapshot for query day D: the union of the daily summaries of D-7..D-1 and
 * D-14..D-1 (each summary read once). `pseudoOf` gives a subscriber's
 * pseudonym by index, computed once per run; `keyOf` any number's.
 */
function buildSnapshotFiles(
  data: string,
  date: string,
  operator: Operator,
  registries: Registries,
  pseudoOf: (sub: number) => string,
  keyOf: (msisdn: string) => string,
  fingerprint: string,
  crashAt?: string,
): number {
  const sources = snapshotSources(data, date);
  const windows = new Map<string, Windows>();
  for (let i = 1; i <= 14; i++) {
    const lines = readSummary(data, addDays(date, -i));
    if (!lines) continue;
    for (const { p, c, k } of lines) {
      const w = windows.get(p);
      if (w === undefined) {
        windows.set(p, { in7: i <= 7, c7: i <= 7 ? c : [], k7: i <= 7 ? k : [], c14: c, k14: k });
        continue;
      }
      w.c14 = union(w.c14, c);
      w.k14 = union(w.k14, k);
      if (i <= 7) {
        w.in7 = true;
        w.c7 = union(w.c7, c);
        w.k7 = union(w.k7, k);
      }
    }
  }
  const { subscribers, indexOf } = registries;
  const lines: string[] = [];
  for (let i = 0; i < subscribers.length; i++) {
    const s = subscribers[i]!;
    const p = pseudoOf(i);
    const windowsOf = (m: string): Windows | undefined => {
      const j = m === s.msisdn ? i : indexOf.get(m);
      // A primary no longer in the registry may still have summaries from earlier days.
      return windows.get(j === undefined ? keyOf(m) : pseudoOf(j));
    };
    const a7 = subscriberAnswer(s, date, (m) => {
      const w = windowsOf(m);
      return w?.in7 ? { cities: [...w.c7].sort(), countries: [...w.k7].sort() } : undefined;
    });
    const a14 = subscriberAnswer(s, date, (m) => {
      const w = windowsOf(m);
      return w ? { cities: [...w.c14].sort(), countries: [...w.k14].sort() } : undefined;
    });
    const entry: Record<string, unknown> = {
      p,
      k: s.kind as SubscriberKind,
      s7: a7.status,
      c7: a7.cities,
      n7: a7.countries,
      s14: a14.status,
      c14: a14.cities,
      n14: a14.countries,
    };
    if (s.portedAt) entry.pa = s.portedAt;
    lines.push(JSON.stringify(entry));
  }
  lines.sort();
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  const meta: SnapshotMetaFile = {
    operator,
    date,
    subscribers: lines.length,
    build: hashOf(text),
    sources,
    keyFingerprint: fingerprint,
  };
  replaceDirAtomic(
    join(snapshotsDir(data), date),
    (tmp) => {
      writeFileSync(join(tmp, 'snapshot.jsonl'), text);
      writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    },
    () => crashPoint(crashAt, 'snapshot-swap'),
  );
  return lines.length;
}

export interface Published {
  date: string;
  publishedAt: number;
  /** The build of the snapshot published (its meta.json build). */
  build?: string;
}

/** Makes the snapshot of `date` the one served, in one atomic rename. */
export function publishSnapshot(data: string, date: string, publishedAt: number, crashAt?: string): void {
  const meta = readSnapshotMeta(data, date);
  if (!meta) throw new AppError('SNAPSHOT_NOT_BUILT', { date });
  const pub: Published = { date, publishedAt, ...(meta.build ? { build: meta.build } : {}) };
  writeFileAtomic(join(data, 'published.json'), `${JSON.stringify(pub)}\n`, () =>
    crashPoint(crashAt, 'publish-written'),
  );
}

export function readPublished(data: string): Published | undefined {
  const path = join(data, 'published.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as Published;
}

/** The build of the snapshot of `date` (its meta.json), undefined when there is none. */
export function snapshotBuild(data: string, date: string): string | undefined {
  return readSnapshotMeta(data, date)?.build;
}

/**
 * Deletes derived data (daily summaries, snapshots) and raw signaling files
 * older than the retention period; the published snapshot is always kept. A
 * signaling file goes by the days of its records (file-index.ts homeDay: the
 * last day it holds), not by when it was written, so a late copy of old files
 * goes too; a file the index does not know goes by the day its name declares,
 * else by its modification time.
 */
export function enforceRetention(opts: {
  data: string;
  input?: string;
  today: string;
  retentionDays: number;
  now: number;
  /** The file index of this pass (default: the one stored in the data directory). */
  index?: FileIndex;
  crashAt?: string;
}): string[] {
  const cutoff = addDays(opts.today, -opts.retentionDays);
  const published = readPublished(opts.data)?.date;
  const removed: string[] = [];
  const remove = (p: string) => {
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
    crashPoint(opts.crashAt, 'retention');
  };
  for (const dir of [daysDir(opts.data), snapshotsDir(opts.data)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const keep = dir === snapshotsDir(opts.data) && name === published;
      if (isIsoDate(name) && name < cutoff && !keep) remove(join(dir, name));
    }
  }
  if (opts.input) {
    const index = opts.index ?? readStoredIndex(join(opts.data, 'file-index.json'));
    const sig = join(opts.input, 'signaling');
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        let st: ReturnType<typeof statSync>;
        try {
          st = statSync(p);
        } catch {
          st = lstatSync(p); // a dangling link: by its name's day or its own time
        }
        if (st.isDirectory()) {
          walk(p);
          continue;
        }
        const e = index.get(p);
        const known = e && e.size === st.size && e.mtimeMs === st.mtimeMs ? e : { days: {}, mtimeMs: st.mtimeMs };
        if (homeDay(p, known, opts.now) < cutoff) remove(p);
      }
    };
    if (existsSync(sig)) walk(sig);
  }
  return removed;
}

export function snapshotDir(data: string, date: string): string {
  return join(snapshotsDir(data), date);
}

/** Days that have a stored summary, oldest first. */
export function summarizedDays(data: string): string[] {
  if (!existsSync(daysDir(data))) return [];
  return readdirSync(daysDir(data)).filter(isIsoDate).sort();
}
