// The native stay engine (native/: engine.h, shard.cc, addon-shard.cc): a shard's records grouped by
// subscriber and run through the same rules as StayEngine, in C++, on several
// threads, for `compute` and for the daily run, whose stays carry from one day to
// the next. Its answers and carries are identical to the TypeScript engine's
// (native-shard.test.ts); it is about three times faster on the stays. Built by
// `npm install` (native/build.mjs); where it could not be built, callers use StayEngine.
import { createRequire } from 'node:module';
import { type CellModel, MAX_COVER } from './cell-model.ts';
import { type Carry, type DayOutput, DEFAULT_PARAMS, type EngineParams, SEEN_ALL } from './stay-engine.ts';

/** A shard's records as columns: subscriber, time, place (cell, or -country-1 when roaming) and event hash. */
export interface ShardColumns {
  sub: Int32Array;
  t: Float64Array;
  place: Int32Array;
  ev: Int32Array;
  length: number;
  /**
   * Optional reading order: [start, end) pairs covering [0, length) once each (the
   * pipeline's EventBuffer.runOrder). The answers do not depend on it; records read
   * in about time order just need less sorting.
   */
  runs?: Int32Array;
  /**
   * Records still in DuckDB's chunks (scanChunksNative), read with the columns'. The run
   * lets them go once it has read them.
   */
  chunks?: NativeChunks;
  /**
   * Called once the run has let the chunks go, so DuckDB may close while the stays run
   * (on the JavaScript thread; it may come after the answers).
   */
  released?: () => void;
}

/** A scan's chunks kept where DuckDB made them (scanChunksNative): an opaque handle. */
export type NativeChunks = { readonly __brand: 'NativeChunks' };

/**
 * What scanChunksNative found: the chunks; how many records they hold and how
 * many fall outside the run's days; the rejected ones counted by reason code (the
 * pipeline's scan: 1 to 6), with each reason's first `samplesPerReason` texts in
 * string order, cut to 500 UTF-16 units (the only ones that can be a quarantine's
 * samples); the roaming ones, their visited network an index into `plmns`.
 */
export interface NativeScan {
  chunks: NativeChunks;
  rows: number;
  outside: number;
  rejected: Float64Array;
  samples: string[][];
  roamSub: Int32Array;
  roamT: Float64Array;
  roamEv: Int32Array;
  roamPlmn: Int32Array;
  plmns: string[];
}

/** runShard's options (native/shard.h's ShardOptions and the records): checked by the addon. */
interface RunShardOptions {
  chunks: NativeChunks | null;
  sub: Int32Array;
  t: Float64Array;
  place: Int32Array;
  ev: Int32Array;
  length: number;
  runs: Int32Array | null;
  subscriberCount: number;
  cellCity: Int32Array;
  coverCities: Int32Array;
  cellX: Float64Array;
  cellY: Float64Array;
  cellKmPerDegLon: Float64Array;
  maxCover: number;
  /** EngineParams in the order of the addon's Params. */
  params: Float64Array;
  firstDayStart: number;
  dayCount: number;
  threads: number;
  released: (() => void) | undefined;
  carryInts: Int32Array | null;
  carryFloats: Float64Array | null;
  carryOut: boolean;
}

interface Addon {
  runShard(options: RunShardOptions): Promise<{
    subs: Int32Array;
    dayFlags: Int32Array;
    cityCount: Int32Array;
    cities: Int32Array;
    countryCount: Int32Array;
    countries: Int32Array;
    duplicates: number;
    withRecords: number;
    carryInts?: Int32Array;
    carryFloats?: Float64Array;
  }>;
  scanChunks(
    result: unknown,
    subscriberCount: number,
    cells: number,
    samplesPerReason: number,
  ): Promise<NativeScan> | undefined;
  scanRaw(
    result: unknown,
    subscriberKeys: Uint8Array,
    subscriberOffsets: Int32Array,
    cellKeys: Uint8Array,
    cellOffsets: Int32Array,
    range: Float64Array,
    samplesPerReason: number,
    into?: NativeChunks,
  ): Promise<NativeScan> | undefined;
  releaseChunks(chunks: NativeChunks): void;
  indexCsv(options: {
    paths: string[];
    fields: Int32Array;
    columns: Int32Array;
    threads: number;
  }): Promise<NativeCsvIndex>;
  readCsv(options: {
    paths: string[];
    fields: Int32Array;
    columns: Int32Array;
    subscriberKeys: Uint8Array;
    subscriberOffsets: Int32Array;
    cellKeys: Uint8Array;
    cellOffsets: Int32Array;
    range: Float64Array;
    samplesPerReason: number;
    threads: number;
    counted?: Int32Array;
    into?: NativeChunks;
    home?: Float64Array;
  }): Promise<NativeCsvScan & Partial<NativeCsvIndexPart>> | undefined;
  readParquet(options: {
    paths: string[];
    subscriberKeys: Uint8Array;
    subscriberOffsets: Int32Array;
    cellKeys: Uint8Array;
    cellOffsets: Int32Array;
    range: Float64Array;
    samplesPerReason: number;
    threads: number;
    into: NativeChunks | undefined;
  }): Promise<NativeParquetScan> | undefined;
}

/** Most days one native run answers (a day is a bit of a 32-bit flag word). */
const NATIVE_MAX_DAYS = 31;

let addon: Addon | null | undefined;

/** The built addon, or undefined when `npm install` could not build it. */
function load(): Addon | undefined {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('../native/build/stay-engine.node') as Addon;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

/** Whether the native engine is built and can run `dayCount` days. */
export function nativeShardAvailable(dayCount = 1): boolean {
  return dayCount <= NATIVE_MAX_DAYS && load() !== undefined;
}

/** Growable int and float columns (as native/engine.h's CarryColumns are laid out), filled to ni and nf. */
export class GrowableColumns {
  ints: Int32Array;
  floats: Float64Array;
  ni = 0;
  nf = 0;

  constructor(size: number) {
    this.ints = new Int32Array(size);
    this.floats = new Float64Array(size);
  }

  /** Makes room for `ints` more ints and `floats` more floats. */
  room(ints: number, floats: number): void {
    if (this.ni + ints > this.ints.length) {
      const next = new Int32Array(Math.max(this.ni + ints, this.ints.length * 2));
      next.set(this.ints.subarray(0, this.ni));
      this.ints = next;
    }
    if (this.nf + floats > this.floats.length) {
      const next = new Float64Array(Math.max(this.nf + floats, this.floats.length * 2));
      next.set(this.floats.subarray(0, this.nf));
      this.floats = next;
    }
  }
}

/** Carries written as flat columns (the layout of native/engine.h's CarryColumns). */
class CarryWriter extends GrowableColumns {
  constructor() {
    super(1 << 12);
  }

  private putInts(v: ArrayLike<number>): void {
    for (let i = 0; i < v.length; i++) this.ints[this.ni++] = v[i]!;
  }

  private putFloats(v: ArrayLike<number>): void {
    for (let i = 0; i < v.length; i++) this.floats[this.nf++] = v[i]!;
  }

  write(sub: number, c: Carry): void {
    const all = c.seenCities.length === 1 && c.seenCities[0] === SEEN_ALL;
    if (!all && c.seenCounts.length !== c.seenCities.length) throw new RangeError('carry: seenCounts and seenCities');
    const nl = c.learnCells.length;
    if (c.learnCities.length !== nl || c.learnCounts.length !== nl) throw new RangeError('carry: learnt cells');
    if (c.place.length !== c.t.length || c.epCounts.length !== c.epCities.length)
      throw new RangeError('carry: lengths');
    if (c.memCounts.length !== c.memCities.length) throw new RangeError('carry: memCounts and memCities');
    const ns = all ? 0 : c.seenCities.length;
    this.room(9 + c.t.length + c.epCities.length + c.memCities.length + 3 * nl + 2 * ns, 0);
    const { ints } = this;
    ints[this.ni++] = sub;
    ints[this.ni++] = c.state;
    ints[this.ni++] = c.epStart;
    ints[this.ni++] = c.epAnchor;
    ints[this.ni++] = c.t.length;
    ints[this.ni++] = c.epCities.length;
    ints[this.ni++] = c.memCities.length;
    ints[this.ni++] = nl;
    ints[this.ni++] = all ? -1 : ns;
    this.putInts(c.place);
    this.putInts(c.epCities);
    this.putInts(c.memCities);
    this.putInts(c.learnCells);
    this.putInts(c.learnCities);
    this.putInts(c.learnCounts);
    if (!all) {
      this.putInts(c.seenCities);
      this.putInts(c.seenCounts);
    }
    this.room(0, 1 + c.t.length + c.epCounts.length + c.memCounts.length);
    this.floats[this.nf++] = c.runStart;
    this.putFloats(c.t);
    this.putFloats(c.epCounts);
    this.putFloats(c.memCounts);
  }
}

/** Reads carries written as CarryColumns, one at a time, in order. */
export class CarryReader {
  private i = 0;
  private f = 0;
  constructor(
    private readonly ints: Int32Array,
    private readonly floats: Float64Array,
  ) {}

  /** The subscriber of the next carry, or -1 when there is none. */
  peek(): number {
    return this.i < this.ints.length ? this.ints[this.i]! : -1;
  }

  next(): Carry {
    const { ints, floats } = this;
    const at = this.i;
    const nt = ints[at + 4]!;
    const ne = ints[at + 5]!;
    const nm = ints[at + 6]!;
    const nl = ints[at + 7]!;
    const ns = ints[at + 8]!;
    let i = at + 9;
    const cut = (n: number) => {
      const v = ints.slice(i, i + n);
      i += n;
      return v;
    };
    const place = cut(nt);
    const epCities = cut(ne);
    const memCities = cut(nm);
    const learnCells = cut(nl);
    const learnCities = cut(nl);
    const learnCounts = cut(nl);
    const seenCities = ns < 0 ? Int32Array.of(SEEN_ALL) : cut(ns);
    const seenCounts = ns < 0 ? new Int32Array(0) : cut(ns);
    this.i = i;
    let f = this.f;
    const runStart = floats[f++]!;
    const t = floats.slice(f, f + nt);
    f += nt;
    const epCounts = floats.slice(f, f + ne);
    f += ne;
    const memCounts = floats.slice(f, f + nm);
    this.f = f + nm;
    return {
      t,
      place,
      state: ints[at + 1]!,
      runStart,
      epStart: ints[at + 2]!,
      epAnchor: ints[at + 3]!,
      epCities,
      epCounts,
      memCities,
      memCounts,
      learnCells,
      learnCities,
      learnCounts,
      seenCities,
      seenCounts,
    };
  }
}

/** The stays carried into a run and whether the run hands them on (the daily run: StayEngine's carries). */
export interface NativeCarries {
  /** The carry of each subscriber into the run (null: none), asked once per subscriber. */
  in?: (sub: number) => Carry | null;
  /**
   * The carries into the run as the addon takes them (CarryColumns), asked once; undefined:
   * asked of `in`. A caller that kept a run's `columns` out hands them to the next run so.
   */
  inColumns?: () => CarryColumns | undefined;
  /** Whether the sink gets each subscriber's carry out of the run. */
  out: boolean;
  /**
   * Given (with `out`), the carries out come here as the addon makes them, in one piece,
   * and the sink gets none: no Carry object per subscriber.
   */
  columns?: (out: CarryColumns) => void;
}

/**
 * Carries as the addon takes and gives them (native/engine.h CarryColumns), per carry: ints
 * sub, state, epStart, epAnchor, then the counts of t, epCities, memCities, learnCells and
 * seenCities (-1: every city), then place, epCities, memCities, learnCells, learnCities,
 * learnCounts, seenCities, seenCounts; floats runStart, then t, epCounts, memCounts.
 */
export interface CarryColumns {
  ints: Int32Array;
  floats: Float64Array;
}

/**
 * Runs every subscriber of the shard over `dayCount` days from `firstDayStart`,
 * calling `sink` once per subscriber with records or a carry in (`days` is
 * reused between calls), like the pipeline's processShard. Without `carries`,
 * no carry goes in and the sink gets none (compute); with them, the carries in
 * are the subscribers' and, with `carries.out`, the sink gets each one's carry
 * out (a fresh one: it may be kept), identical to the TypeScript engine's. The
 * engine runs off the JavaScript thread, which is free until the answers come
 * back; the columns must not change meanwhile. Throws when the addon is not
 * built (nativeShardAvailable).
 */
export async function runShardNative(
  input: ShardColumns,
  subscriberCount: number,
  model: CellModel,
  firstDayStart: number,
  dayCount: number,
  sink: (sub: number, days: readonly DayOutput[], carry: Carry | null) => void,
  params: EngineParams = DEFAULT_PARAMS,
  threads = 1,
  carries?: NativeCarries,
): Promise<{ duplicates: number; subscribersWithRecords: number }> {
  const native = load();
  if (!native) throw new Error('the native stay engine is not built (npm install builds it)');
  if (dayCount > NATIVE_MAX_DAYS) throw new RangeError(`the native stay engine runs at most ${NATIVE_MAX_DAYS} days`);
  const p = params;
  let carryIn: CarryColumns | undefined = carries?.inColumns?.();
  if (!carryIn && carries?.in) {
    const w = new CarryWriter();
    for (let s = 0; s < subscriberCount; s++) {
      const c = carries.in(s);
      if (c) w.write(s, c);
    }
    carryIn = { ints: w.ints.subarray(0, w.ni), floats: w.floats.subarray(0, w.nf) };
  }
  const r = await native.runShard({
    chunks: input.chunks ?? null,
    sub: input.sub,
    t: input.t,
    place: input.place,
    ev: input.ev,
    length: input.length,
    runs: input.runs ?? null,
    subscriberCount,
    cellCity: model.cellCity,
    coverCities: model.coverCities,
    cellX: model.cellX,
    cellY: model.cellY,
    cellKmPerDegLon: model.cellKmPerDegLon,
    maxCover: MAX_COVER,
    params: Float64Array.of(
      p.minStayMs,
      p.crossCoverLog,
      p.switchLog,
      p.edgeCapMs,
      p.carryMaxEvents,
      p.stationaryKm,
      p.decisiveK,
      p.undecidedJoinLog,
    ),
    firstDayStart,
    dayCount,
    threads,
    released: input.released,
    carryInts: carryIn?.ints ?? null,
    carryFloats: carryIn?.floats ?? null,
    carryOut: carries?.out ?? false,
  });
  let out = r.carryInts && r.carryFloats ? new CarryReader(r.carryInts, r.carryFloats) : undefined;
  if (out && carries?.columns) {
    carries.columns({ ints: r.carryInts!, floats: r.carryFloats! });
    out = undefined;
  }
  const days: DayOutput[] = Array.from({ length: dayCount }, () => ({ cities: [], countries: [], hadRecord: false }));
  let c = 0;
  let k = 0;
  for (let i = 0; i < r.subs.length; i++) {
    const flags = r.dayFlags[i]!;
    for (let d = 0; d < dayCount; d++) {
      const o = days[d]!;
      const slot = i * dayCount + d;
      o.hadRecord = (flags & (1 << d)) !== 0;
      // (Emptied only when not empty: most days of most subscribers have no city to list, and
      // setting an array's length costs more than reading it.)
      if (o.cities.length) o.cities.length = 0;
      for (let e = c + r.cityCount[slot]!; c < e; c++) o.cities.push(r.cities[c]!);
      if (o.countries.length) o.countries.length = 0;
      for (let e = k + r.countryCount[slot]!; k < e; k++) o.countries.push(r.countries[k]!);
    }
    const s = r.subs[i]!;
    sink(s, days, out?.peek() === s ? out.next() : null);
  }
  return { duplicates: r.duplicates, subscribersWithRecords: r.withRecords };
}

/**
 * Reads every chunk of a streamed result of the pipeline's scan (its @duckdb/node-bindings
 * Result: columns sub, t, code, ev, extra) through DuckDB's C API, off the JavaScript
 * thread, and keeps them where DuckDB made them, with no copy: the records go to
 * runShardNative as `chunks`. Records with a subscriber or cell outside the registries'
 * ranges fail it. Undefined when the addon is not built, cannot reach the C API of the
 * loaded DuckDB, or does not know `result` (another version of the bindings tags it
 * otherwise); the caller then reads the result itself. The chunks must be let go
 * (runShardNative, or releaseChunksNative) before DuckDB closes.
 */
export function scanChunksNative(
  result: unknown,
  subscriberCount: number,
  cells: number,
  samplesPerReason: number,
): Promise<NativeScan> | undefined {
  return load()?.scanChunks(result, subscriberCount, cells, samplesPerReason);
}

/** Keys packed, by the array they were packed from (a caller that keeps its keys packs them once). */
const packed = new WeakMap<readonly string[], { bytes: Uint8Array; offsets: Int32Array }>();

/**
 * Keys as the addon takes them: their UTF-8 bytes in a row, and where each starts (one more
 * offset at the end). The same array is packed once (its keys must not change).
 */
function packKeys(keys: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const known = packed.get(keys);
  if (known) return known;
  const parts = keys.map((k) => Buffer.from(k, 'utf8'));
  const offsets = new Int32Array(keys.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
  const out = { bytes: Buffer.concat(parts), offsets };
  packed.set(keys, out);
  return out;
}

/**
 * What readCsvNative found: a raw scan's findings over the files it read and, per file,
 * whether it declined it (DuckDB reads those), why, and its malformed lines (those
 * DuckDB's rejects table would list), with the first `samplesPerReason` of each file
 * (file index, line number, "<error type>: <line>").
 */
export interface NativeCsvScan extends NativeScan {
  declined: Int32Array;
  why: string[];
  malformed: Float64Array;
  malformedFile: Int32Array;
  malformedLine: Float64Array;
  malformedText: string[];
}

/** A signaling CSV file for readCsvNative: its path (gzip when it ends in .gz) and its header's columns. */
export interface NativeCsvFile {
  path: string;
  columns: readonly string[];
  /**
   * A daily run's file: true when its lines without a valid time are the run's to count (its
   * home day), false when they are another run's (outside this one), as rawScanSql's `counted`.
   * Absent in compute. Every file of one call has it or none has.
   */
  counted?: boolean;
}

/** The days a raw scan keeps and the times it counts as possible (the pipeline's ScanRange). */
export interface RawScanRange {
  lo: number;
  hi: number;
  plausibleLo: number;
  plausibleHi: number;
}

/**
 * Like scanChunksNative, for a streamed result of the records' own columns (the
 * pipeline's rawScanSql: msisdn, ts, t DOUBLE, cell_id, plmn, event, and `counted`
 * BOOLEAN in a daily run): each record's subscriber and cell are found by their
 * text among `subscriberKeys` and `cellKeys` (the index is the position), and its
 * reason decided as the pipeline's scanSql decides it, off the JavaScript thread.
 * The records are kept in the scan's own memory (about 20 bytes each) and DuckDB
 * frees each chunk as it comes; an event becomes a hash (compared for equality
 * only). Undefined where scanChunksNative would be.
 */
export function scanRawNative(
  result: unknown,
  subscriberKeys: readonly string[],
  cellKeys: readonly string[],
  range: RawScanRange,
  samplesPerReason: number,
  into?: NativeChunks,
): Promise<NativeScan> | undefined {
  const native = load();
  if (!native) return undefined;
  const subs = packKeys(subscriberKeys);
  const cells = packKeys(cellKeys);
  return native.scanRaw(
    result,
    subs.bytes,
    subs.offsets,
    cells.bytes,
    cells.offsets,
    Float64Array.of(range.lo, range.hi, range.plausibleLo, range.plausibleHi),
    samplesPerReason,
    into,
  );
}

/** The signaling columns a raw scan reads, in its order (absent ones read as NULL). */
const RAW_COLUMNS = ['msisdn', 'ts', 'cell_id', 'plmn', 'event'];

/** The CSV files as the native reader takes them: paths, fields per line, and where each raw column is (-1: absent). */
function csvLayout(files: readonly NativeCsvFile[]) {
  return {
    paths: files.map((f) => f.path),
    fields: Int32Array.from(files, (f) => f.columns.length),
    columns: Int32Array.from(files.flatMap((f) => RAW_COLUMNS.map((c) => f.columns.indexOf(c)))),
  };
}

/**
 * Reads signaling CSV files (plain or gzip) natively, off the JavaScript thread, by the
 * raw scan's rules (scanRawNative, over what DuckDB's read_csv would give the pipeline's
 * rawScanSql), each file whole or not at all: a file with anything this reader does not
 * read exactly as DuckDB does (quotes, control or non-ASCII bytes, empty lines, times
 * other than ISO-8601 with seconds and an offset or epoch milliseconds, ...) is declined,
 * and the caller has DuckDB read it (scanRawNative with `into`: the same chunks). Files
 * are read `threads` at a time. With `into` (the chunks of readHomeCsvNative of the same run),
 * the records join those chunks. Undefined where scanRawNative would be.
 */
export function readCsvNative(
  files: readonly NativeCsvFile[],
  subscriberKeys: readonly string[],
  cellKeys: readonly string[],
  range: RawScanRange,
  samplesPerReason: number,
  threads: number,
  into?: NativeChunks,
): Promise<NativeCsvScan> | undefined {
  const native = load();
  if (!native) return undefined;
  return native.readCsv({
    ...(into ? { into } : {}),
    ...csvLayout(files),
    ...fileScanOptions(subscriberKeys, cellKeys, range, samplesPerReason, threads),
    ...(files.some((f) => f.counted !== undefined)
      ? { counted: Int32Array.from(files, (f) => (f.counted === undefined ? -1 : f.counted ? 1 : 0)) }
      : {}),
  });
}

/**
 * What indexCsvNative found: per file, whether it declined it (as readCsvNative would) and
 * why; per file and day (in day order), the records with a time on that day and a sum of
 * their hashes (a decimal string).
 */
export interface NativeCsvIndex {
  declined: Int32Array;
  why: string[];
  /** The file (its index in the files given), the Beijing day (days since 1970-01-01), records, hash. */
  dayFile: Int32Array;
  day: Float64Array;
  count: Float64Array;
  hash: string[];
}

/**
 * The daily run's file index of signaling CSV files (plain or gzip), read natively, off the
 * JavaScript thread, `threads` files at a time: each file's records per Beijing day (those
 * with a time DuckDB's read would parse, within 1e15 ms of 1970; malformed lines in no day)
 * and a sum of their hashes (the fields and the parsed time), or the file declined where
 * readCsvNative would decline it. Undefined when the addon is not built.
 */
export function indexCsvNative(files: readonly NativeCsvFile[], threads: number): Promise<NativeCsvIndex> | undefined {
  const native = load();
  if (!native) return undefined;
  return native.indexCsv({
    ...csvLayout(files),
    threads,
  });
}

/** indexCsvNative's days of each file (NativeCsvIndex but declined and why). */
type NativeCsvIndexPart = Omit<NativeCsvIndex, 'declined' | 'why'> & { kept: Int32Array };

/** The day numbers (days since 1970-01-01 of Beijing time) of readHomeCsvNative's rule. */
export interface HomeDayRule {
  /** The run's day: the files whose home day it is are kept. */
  keepDay: number;
  /** A file's days after this one (impossible yet) do not make its home day. */
  latestDay: number;
  /** Days outside [firstDay, lastDay] are not indexed (nor make a home day). */
  firstDay: number;
  lastDay: number;
}

/**
 * What readHomeCsvNative found: indexCsvNative's answer for every file (`declined` and `why`
 * are the index's) and readCsvNative's over the files kept (`kept` 1: their records are in
 * the chunks, their malformed lines listed).
 */
export interface NativeCsvHomeRead extends NativeCsvIndex {
  kept: Int32Array;
  /** readCsvNative's answer over the kept files (declined: 1 for every file not kept). */
  scan: NativeCsvScan;
}

/**
 * A daily run's signaling CSV files not yet indexed, each read once for both: the file index
 * (indexCsvNative) and, by readCsvNative's rules with `counted` true, the run's records, kept
 * only for the files whose home day (the last of their days up to `rule.latestDay`, as the
 * pipeline's homeDay finds it from the index) is `rule.keepDay`; the others' records are let
 * go as they are read. The chunks (`scan.chunks`) must go to a run, or releaseChunksNative.
 * Undefined where readCsvNative would be.
 */
export async function readHomeCsvNative(
  files: readonly NativeCsvFile[],
  subscriberKeys: readonly string[],
  cellKeys: readonly string[],
  range: RawScanRange,
  samplesPerReason: number,
  threads: number,
  rule: HomeDayRule,
): Promise<NativeCsvHomeRead | undefined> {
  const native = load();
  if (!native) return undefined;
  const found = await native.readCsv({
    ...csvLayout(files),
    ...fileScanOptions(subscriberKeys, cellKeys, range, samplesPerReason, threads),
    home: Float64Array.of(rule.keepDay, rule.latestDay, rule.firstDay, rule.lastDay),
  });
  if (!found) return undefined;
  const { dayFile, day, count, hash, kept } = found as NativeCsvScan & NativeCsvIndexPart;
  return {
    declined: found.declined,
    why: found.why,
    dayFile,
    day,
    count,
    hash,
    kept,
    scan: { ...found, declined: kept.map((k) => 1 - k) },
  };
}

/**
 * What readParquetNative found: a raw scan's findings over the files it read and, per
 * file, whether it declined it (DuckDB reads those) and why.
 */
export interface NativeParquetScan extends NativeScan {
  declined: Int32Array;
  why: string[];
}

/**
 * Reads signaling Parquet files natively, off the JavaScript thread, by the raw scan's
 * rules (scanRawNative, over what DuckDB's read_parquet would give the pipeline's
 * rawScanSql), each file whole or not at all: the five columns flat, texts as UTF-8
 * strings, ts a timestamp (milli- or microseconds) or an integer, pages plain or
 * dictionary-encoded, uncompressed or Snappy. A file with anything else (another codec,
 * encoding or type, a non-ASCII text, a time before 1970 or past 9999) is declined, and
 * the caller has DuckDB read it. A dictionary's texts are looked up once, not once a
 * record. With `into` (the chunks of readCsvNative or scanRawNative of the same run), the
 * records join those chunks. Files are read `threads` at a time. Undefined where
 * scanRawNative would be.
 */
export function readParquetNative(
  paths: readonly string[],
  subscriberKeys: readonly string[],
  cellKeys: readonly string[],
  range: RawScanRange,
  samplesPerReason: number,
  threads: number,
  into?: NativeChunks,
): Promise<NativeParquetScan> | undefined {
  const native = load();
  if (!native) return undefined;
  return native.readParquet({
    paths: [...paths],
    ...fileScanOptions(subscriberKeys, cellKeys, range, samplesPerReason, threads),
    into,
  });
}

/** The options readCsv and readParquet share: the registries' keys packed, the range, samples and threads. */
function fileScanOptions(
  subscriberKeys: readonly string[],
  cellKeys: readonly string[],
  range: RawScanRange,
  samplesPerReason: number,
  threads: number,
) {
  const subs = packKeys(subscriberKeys);
  const cells = packKeys(cellKeys);
  return {
    subscriberKeys: subs.bytes,
    subscriberOffsets: subs.offsets,
    cellKeys: cells.bytes,
    cellOffsets: cells.offsets,
    range: Float64Array.of(range.lo, range.hi, range.plausibleLo, range.plausibleHi),
    samplesPerReason,
    threads,
  };
}

/** Lets a scan's chunks go, unless a run took them (which lets them go itself). */
export function releaseChunksNative(chunks: NativeChunks): void {
  load()?.releaseChunks(chunks);
}
