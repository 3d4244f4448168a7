// Reads signaling files (CSV, CSV.gz, Parquet) with DuckDB, validates every
// record, maps it to a cell or a visited country, and streams the valid ones
// into a RecordSink as typed columns. Rejected records are counted by reason.
// The queries are scan-sql.ts's; what is not kept as it is, scan-rejects.ts's.
import { type DuckDBConnection, DuckDBDataChunk, type DuckDBVarCharVector } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import {
  type NativeChunks,
  type NativeCsvScan,
  type NativeScan,
  readCsvNative,
  readParquetNative,
  releaseChunksNative,
  scanChunksNative,
  scanRawNative,
} from '@itinerary-card/stay-engine';
import type { CountryTable, RecordSink } from '../compute/event-buffer.ts';
import { bindingsResult } from './duckdb-result.ts';
import type { SignalingFile } from './input-dir.ts';
import type { Quarantine } from './quarantine.ts';
import { collectCsvRejects, countNativeCsv, countNativeScan, roamingPlace } from './scan-rejects.ts';
import { OUTSIDE, REASON_CODES, ROAMING, rawScanSql, type ScanRange, scanSql } from './scan-sql.ts';

export interface ScanOptions {
  onRows?: (rows: number) => void;
  onTiming?: (phase: string, ms: number) => void;
  /** Threads of the native CSV reader (default 2: files read two at a time). */
  threads?: number;
  /**
   * Given, the gzip files DuckDB is to read are first read to their end with this (input-dir's
   * gzipProblem: DuckDB reads a truncated file up to the cut without a word), and a file with
   * a problem is counted as unreadable_file instead. The native CSV reader checks the files it
   * reads itself, so a caller whose files it may read checks none up front.
   */
  checkGzip?: (path: string) => Promise<string | undefined>;
  /**
   * Called once the native readers are at work on their threads (where they are used), so
   * the caller's own work (the stays' cell model) overlaps theirs.
   */
  whileReading?: () => void;
  /**
   * Registers the registries' lookup tables (registry.ts registerRegistryTables), called before
   * DuckDB runs the scan's joins (scanSql); absent, the caller has registered them already.
   */
  registerTables?: () => Promise<void>;
  /**
   * Files the native CSV reader read already, with the run's range and keys, while indexing
   * them (file-index.ts indexFilesReading): taken as read, the other files joining their chunks.
   */
  homeRead?: HomeRead;
}

/**
 * The records of CSV files read while indexing them (stay engine readHomeCsvNative): those
 * whose home day is the run's, in the native reader's chunks. `read` are those files, in the
 * order of the answer's kept ones; the chunks must go to a run or releaseChunksNative.
 */
export interface HomeRead {
  found: NativeCsvScan;
  read: SignalingFile[];
}

export interface ScanCounts {
  /** Lines read (valid or not), excluding malformed CSV lines, which are counted as rejects. */
  rows: number;
  used: number;
  outside: number;
  /** CSV files read by the native CSV reader rather than DuckDB (see scanSignaling). */
  nativeCsvFiles?: number;
  /** Parquet files read by the native Parquet reader rather than DuckDB (see scanSignaling). */
  nativeParquetFiles?: number;
  /** Gzip files found unreadable by `checkGzip` (also in the quarantine as unreadable_file). */
  unreadable?: Array<{ file: string; reason: string }>;
  /**
   * With `inPlace`: the valid records, still in DuckDB's chunks (the sink got only the
   * kept roaming ones). They must go to runShardNative, or releaseChunksNative, before
   * DuckDB closes.
   */
  chunks?: NativeChunks;
}

/** The registries' sizes, for a scan that leaves its records in DuckDB's chunks (see scanSignaling). */
export interface InPlace {
  subscribers: number;
  cells: number;
  /**
   * The registries' keys by index (numbers, cell ids). Given, the native engine reads the
   * records' own columns (rawScanSql) and finds subscriber, cell and reason itself, so
   * DuckDB only parses the files.
   */
  keys?: { subscribers: readonly string[]; cells: readonly string[] };
}

/**
 * The scan's numeric columns, read straight from the result's chunks through
 * DuckDB's C API bindings: node-api's vector wrappers (type lookup, validity
 * copy, one object per vector) cost about 25 µs each, and the scan reads five
 * per 2,048 rows. These columns are never NULL (see scanSql), so validity is
 * not needed. (The bindings hand over a copy of each column: the native engine
 * reads the chunks in place instead, see scanChunksNative.)
 */
function column<T extends Int32Array | Float64Array>(
  chunk: duckdb.DataChunk,
  index: number,
  n: number,
  Kind: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const data = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk, index), n * Kind.BYTES_PER_ELEMENT);
  return new Kind(data.buffer, data.byteOffset, n);
}

/**
 * DuckDB's buffer ahead of the streamed scan: large enough to keep both its threads busy
 * (64 MB made the bench world's scan 2-3x slower), bounded so a scan into a ShardSpill
 * does not hold the input in memory.
 */
const STREAM_BUFFER = '1GB';
/**
 * The same for the raw scan, whose rows (the records' text, about 140 bytes each) the
 * native scan copies out as they come: 1 GB doubled compute's peak RSS on the bench
 * world (446 to 959 MiB) for no gain in time on the busy machine it was measured on.
 */
const RAW_STREAM_BUFFER = '256MB';

/**
 * Scans the files once, appending valid records to `buf` (an EventBuffer, or a
 * ShardSpill that spreads them over the run's shards) and counting the others
 * by reason, malformed CSV lines included. With `inPlace`, where the native
 * engine can read DuckDB's chunks (scanChunksNative), the valid records stay in
 * them (`chunks` of the counts) and `buf` gets the kept roaming records only.
 */
export async function scanSignaling(
  conn: DuckDBConnection,
  files: SignalingFile[],
  range: ScanRange,
  opts: ScanOptions,
  buf: RecordSink,
  countries: CountryTable,
  qr: Quarantine,
  inPlace?: InPlace,
): Promise<ScanCounts> {
  const counts: ScanCounts = { rows: 0, used: 0, outside: 0 };
  const plmnCountry = new Map<string, number>();
  // Streamed, not materialised: the chunks come as DuckDB makes them, without a copy of each
  // out of a materialised result (about 0.1 s of the bench world's 5 M records), and DuckDB
  // holds at most STREAM_BUFFER of them.
  let tq = performance.now();
  let native: Promise<NativeScan> | undefined;
  let raw: duckdb.Result | undefined;
  // CSV and Parquet files read natively where the readers can read them as DuckDB would (a daily
  // run's CSV files with their `counted` flag; its Parquet files are DuckDB's); DuckDB reads the rest
  // (nativeFileScan).
  let own = inPlace?.keys
    ? await nativeFileScan(files, inPlace.keys, range, qr, opts.threads ?? 2, opts.whileReading, opts.homeRead)
    : undefined;
  if (own) opts.onTiming?.('native-read', performance.now() - tq);
  let rest = own ? own.rest : files;
  const unreadable: Array<{ file: string; reason: string }> = [];
  if (opts.checkGzip) {
    const checked = await Promise.all(
      rest.map(async (f) => (f.path.toLowerCase().endsWith('.gz') ? await opts.checkGzip!(f.path) : undefined)),
    );
    rest.forEach((f, i) => {
      const reason = checked[i];
      if (!reason) return;
      qr.add('unreadable_file', { file: f.path, text: reason });
      unreadable.push({ file: f.path, reason });
    });
    rest = rest.filter((_, i) => !checked[i]);
    if (!own && rest.length === 0) return { rows: 0, used: 0, outside: 0, unreadable };
  }
  if (inPlace?.keys && (rest.length > 0 || !own)) {
    await conn.run(`SET streaming_buffer_size = '${RAW_STREAM_BUFFER}'`);
    const result = await conn.stream(rawScanSql(rest));
    raw = bindingsResult(result);
    native = scanRawNative(raw, inPlace.keys.subscribers, inPlace.keys.cells, range, qr.samplesPerReason, own?.chunks);
    // Not readable natively after all (another version of the bindings): scanSql, read below.
    if (!native) tq = performance.now();
  }
  if (own && !native && rest.length > 0) {
    // DuckDB's result cannot be read natively (another version of the bindings): the native readers'
    // records are let go, and every file is read below, as without them.
    releaseChunksNative(own.chunks);
    const lost = new Set(unreadable.map((u) => u.file));
    rest = files.filter((f) => !lost.has(f.path));
    own = undefined;
  }
  if (!native && !own) {
    await opts.registerTables?.();
    await conn.run(`SET streaming_buffer_size = '${STREAM_BUFFER}'`);
    const result = await conn.stream(scanSql(rest, range));
    raw = bindingsResult(result);
    native = inPlace && scanChunksNative(raw, inPlace.subscribers, inPlace.cells, qr.samplesPerReason);
  }
  opts.onTiming?.('sql', performance.now() - tq);
  if (native || own) {
    let chunks = own?.chunks;
    try {
      const found = native ? await native : undefined;
      chunks = found?.chunks ?? chunks;
      const counts = { rows: 0, used: 0, outside: 0 };
      for (const f of [...(own?.found ?? []), found]) {
        if (!f) continue;
        const taken = countNativeScan(f, buf, countries, plmnCountry, qr);
        counts.rows += taken.rows;
        counts.used += taken.used;
        counts.outside += taken.outside;
      }
      for (const c of own?.csv ?? []) countNativeCsv(c.found, c.read, qr);
      opts.onRows?.(counts.rows);
      if (native) await collectCsvRejects(conn, rest, qr);
      return {
        ...counts,
        chunks: chunks!,
        nativeCsvFiles: own?.csv?.reduce((n, c) => n + c.read.length, 0) ?? 0,
        nativeParquetFiles: own?.parquetFiles ?? 0,
        unreadable,
      };
    } catch (e) {
      if (chunks) releaseChunksNative(chunks);
      throw e;
    }
  }
  // Scratch for chunks with rejected or roaming records (see below).
  let keep = new Uint8Array(0);
  let place = new Int32Array(0);
  for (;;) {
    const chunk = await duckdb.fetch_chunk(raw!);
    const n = chunk ? duckdb.data_chunk_get_size(chunk) : 0;
    if (!chunk || n === 0) break; // an empty chunk ends a streamed result
    buf.beginRun();
    const sub = column(chunk, 0, n, Int32Array);
    const t = column(chunk, 1, n, Float64Array);
    const code = column(chunk, 2, n, Int32Array);
    const ev = column(chunk, 3, n, Int32Array);
    // Most chunks hold valid records only: copied whole.
    let clean = 0;
    while (clean < n && code[clean]! >= 0) clean++;
    if (clean === n) {
      buf.append(sub, t, code, ev);
      counts.used += n;
      counts.rows += n;
      opts.onRows?.(n);
      continue;
    }
    // A chunk with other records: the valid ones and the roaming ones of a known country are
    // kept (a roaming record's place becomes its country), in one pass over the chunk.
    if (keep.length < n) {
      keep = new Uint8Array(n);
      place = new Int32Array(n);
    }
    place.set(code);
    let extraVec: DuckDBVarCharVector | undefined;
    for (let i = 0; i < n; i++) {
      const r = -code[i]!;
      keep[i] = r <= 0 ? 1 : 0;
      if (r <= 0) continue;
      if (r === OUTSIDE) {
        counts.outside++;
        continue;
      }
      extraVec ??= new DuckDBDataChunk(chunk).getColumnVector(4) as DuckDBVarCharVector;
      const text = extraVec.getItem(i) ?? '';
      if (r !== ROAMING) {
        // Every rejected record is offered as a sample, so which are kept does not depend on
        // the order the parallel scan hands records over in. Rejects are usually a few per
        // ten thousand; a file that is all rejects costs a microsecond or two a record more.
        qr.add(REASON_CODES[r]!, { text });
        continue;
      }
      const p = roamingPlace(text, plmnCountry, countries, qr);
      if (p !== undefined) {
        place[i] = p;
        keep[i] = 1;
      }
    }
    counts.used += buf.appendKept(sub, t, place.subarray(0, n), ev, keep.subarray(0, n));
    counts.rows += n;
    opts.onRows?.(n);
  }
  await collectCsvRejects(conn, rest, qr);
  return { ...counts, unreadable };
}

/**
 * The files the native readers read (nativeCsvScan, then the Parquet files by
 * readParquetNative into the same chunks), their findings, and the files left for
 * DuckDB. Undefined where neither reader is used (see nativeCsvScan).
 */
async function nativeFileScan(
  files: SignalingFile[],
  keys: NonNullable<InPlace['keys']>,
  range: ScanRange,
  qr: Quarantine,
  threads: number,
  whileReading?: () => void,
  homeRead?: HomeRead,
): Promise<
  | {
      found: NativeScan[];
      chunks: NativeChunks;
      csv?: Array<{ found: NativeCsvScan; read: SignalingFile[] }>;
      parquetFiles: number;
      rest: SignalingFile[];
    }
  | undefined
> {
  let waiting = whileReading;
  const meanwhile = () => {
    waiting?.();
    waiting = undefined;
  };
  const csv = await nativeCsvScan(files, keys, range, qr, threads, meanwhile, homeRead);
  const left = csv ? csv.rest : files;
  const onlyCsv = csv && {
    found: csv.parts.map((c) => c.found),
    chunks: csv.chunks,
    csv: csv.parts,
    parquetFiles: 0,
    rest: left,
  };
  // A daily run's Parquet files are DuckDB's: the reader does not count lines by home day.
  const daily = files.some((f) => f.countTimeless !== undefined);
  const tried = daily ? [] : left.filter((f) => f.format === 'parquet');
  if (tried.length === 0) return onlyCsv;
  let pq: Awaited<ReturnType<typeof readParquetNative>>;
  try {
    const pending = readParquetNative(
      tried.map((f) => f.path),
      keys.subscribers,
      keys.cells,
      range,
      qr.samplesPerReason,
      threads,
      csv?.chunks,
    );
    if (pending) meanwhile();
    pq = await pending;
  } catch (e) {
    if (csv) releaseChunksNative(csv.chunks);
    throw e;
  }
  if (!pq) return onlyCsv;
  const read = new Set(tried.filter((_, i) => pq.declined[i] === 0));
  return {
    found: csv ? [...csv.parts.map((c) => c.found), pq] : [pq],
    chunks: pq.chunks,
    csv: csv?.parts,
    parquetFiles: read.size,
    rest: left.filter((f) => !read.has(f)),
  };
}

/** Whether the native CSV reader may try a file: CSV files (plain or gzip) with unique column names. */
export function nativeCsvCandidate(f: SignalingFile): boolean {
  return (
    f.format === 'csv' &&
    (f.path.endsWith('.csv') || f.path.endsWith('.csv.gz')) &&
    f.columns !== undefined &&
    new Set(f.columns).size === f.columns.length
  );
}

/**
 * The CSV files read by the native CSV reader (readCsvNative), and the files left for
 * DuckDB: the reader's declined ones and the others. A daily run's files go with their
 * `counted` flag (SignalingFile.countTimeless). Files of `homeRead` (read while indexing,
 * as this would read them) are taken as read; the others join their chunks. Undefined where
 * the reader is not used: no CSV file, or no native addon.
 */
async function nativeCsvScan(
  files: SignalingFile[],
  keys: NonNullable<InPlace['keys']>,
  range: ScanRange,
  qr: Quarantine,
  threads: number,
  whileReading: () => void,
  homeRead?: HomeRead,
): Promise<
  | { parts: Array<{ found: NativeCsvScan; read: SignalingFile[] }>; chunks: NativeChunks; rest: SignalingFile[] }
  | undefined
> {
  const early = new Set(homeRead?.read.map((f) => f.path));
  const tried = files.filter((f) => nativeCsvCandidate(f) && !early.has(f.path));
  const parts: Array<{ found: NativeCsvScan; read: SignalingFile[] }> = [];
  if (homeRead) {
    // (The run's own entries of those files, in the answer's order.)
    const byPath = new Map(files.map((f) => [f.path, f]));
    parts.push({ found: homeRead.found, read: homeRead.read.map((f) => byPath.get(f.path)!) });
  }
  if (tried.length > 0) {
    const pending = readCsvNative(
      tried.map((f) => ({ path: f.path, columns: f.columns!, counted: f.countTimeless })),
      keys.subscribers,
      keys.cells,
      range,
      qr.samplesPerReason,
      threads,
      homeRead?.found.chunks,
    );
    if (pending) {
      whileReading();
      const found = await pending;
      parts.push({ found, read: tried.filter((_, i) => found.declined[i] === 0) });
    }
  }
  if (parts.length === 0) return undefined;
  const readSet = new Set(parts.flatMap((p) => p.read));
  return { parts, chunks: parts[0]!.found.chunks, rest: files.filter((f) => !readSet.has(f)) };
}
