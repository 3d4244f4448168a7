// Reads signaling files (CSV, CSV.gz, Parquet) with DuckDB, validates every
// record, maps it to a cell or a visited country, and streams the valid ones
// into a RecordSink as typed columns. Rejected records are counted by reason.
// The queries are scan-sql.ts's; what is not kept as it is, scan-rejects.ts's.
import { type DuckDBConnection, DuckDBDataChunk, type DuckDBVarCharVector } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import {
  type NativeChunks,
  type NativeScan,
  releaseChunksNative,
  scanChunksNative,
  scanRawNative,
} from '@itinerary-card/stay-engine';
import type { CountryTable, RecordSink } from '../compute/event-buffer.ts';
import type { SignalingFile } from './input-dir.ts';
import type { Quarantine } from './quarantine.ts';
import { collectCsvRejects, countNativeScan, roamingPlace } from './scan-rejects.ts';
import { OUTSIDE, REASON_CODES, ROAMING, rawScanSql, type ScanRange, scanSql } from './scan-sql.ts';

export interface ScanOptions {
  onRows?: (rows: number) => void;
  onTiming?: (phase: string, ms: number) => void;
}

export interface ScanCounts {
  /** Lines read (valid or not), excluding malformed CSV lines, which are counted as rejects. */
  rows: number;
  used: number;
  outside: number;
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
  if (inPlace?.keys) {
    await conn.run(`SET streaming_buffer_size = '${RAW_STREAM_BUFFER}'`);
    const result = await conn.stream(rawScanSql(files));
    raw = (result as unknown as { result: duckdb.Result }).result;
    native = scanRawNative(raw, inPlace.keys.subscribers, inPlace.keys.cells, range, qr.samplesPerReason);
    // Not readable natively after all (another version of the bindings): scanSql, read below.
    if (!native) tq = performance.now();
  }
  if (!native) {
    await conn.run(`SET streaming_buffer_size = '${STREAM_BUFFER}'`);
    const result = await conn.stream(scanSql(files, range));
    raw = (result as unknown as { result: duckdb.Result }).result;
    native = inPlace && scanChunksNative(raw, inPlace.subscribers, inPlace.cells, qr.samplesPerReason);
  }
  opts.onTiming?.('sql', performance.now() - tq);
  if (native) {
    const found = await native;
    try {
      const taken = countNativeScan(found, buf, countries, plmnCountry, qr);
      opts.onRows?.(found.rows);
      await collectCsvRejects(conn, files, qr);
      return { ...taken, chunks: found.chunks };
    } catch (e) {
      releaseChunksNative(found.chunks);
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
  await collectCsvRejects(conn, files, qr);
  return counts;
}
