// Reads signaling files (CSV, CSV.gz, Parquet) with DuckDB, validates every
// record, maps it to a cell or a visited country, and streams the valid ones
// into a RecordSink as typed columns. Rejected records are counted by reason.
import { type DuckDBConnection, DuckDBDataChunk, type DuckDBVarCharVector } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { countryOfPlmn } from '@itinerary-card/domain';
import {
  type NativeChunks,
  type NativeScan,
  releaseChunksNative,
  scanChunksNative,
  scanRawNative,
} from '@itinerary-card/stay-engine';
import type { CountryTable, RecordSink } from '../compute/event-buffer.ts';
import type { InputDir, SignalingFile } from './input-dir.ts';
import type { Quarantine, RejectReason } from './quarantine.ts';

export interface ScanRange {
  /** Records in [lo, hi) are used; others are skipped silently (not this run's days). */
  lo: number;
  hi: number;
  /** Records outside [plausibleLo, plausibleHi) are impossible timestamps. */
  plausibleLo: number;
  plausibleHi: number;
}

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

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

const REASON_CODES: Record<number, RejectReason> = {
  1: 'bad_msisdn',
  2: 'bad_timestamp',
  3: 'impossible_timestamp',
  4: 'unknown_subscriber',
  5: 'unknown_cell',
  6: 'no_location',
};
const OUTSIDE = 99;

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
const ROAMING = 10;

/**
 * SQL expression: epoch milliseconds (DOUBLE) of a Parquet ts column of the
 * given DuckDB type. A text column is parsed like CSV; a timestamp is an
 * instant (a Parquet timestamp not adjusted to UTC is taken as UTC, the
 * format's convention); a number is epoch milliseconds; a date or a time of
 * day alone is not a time (bad_timestamp), as in CSV.
 */
function parquetTimeSql(type: string | undefined): { t: string; text: string } {
  const ty = (type ?? 'VARCHAR').toUpperCase();
  if (ty.startsWith('TIMESTAMP')) return { t: 'epoch_ms(ts)::DOUBLE', text: 'NULL::VARCHAR' };
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DOUBLE|FLOAT|REAL|DECIMAL.*)$/.test(ty)) {
    return { t: 'ts::DOUBLE', text: 'NULL::VARCHAR' };
  }
  return { t: tsMsSql('CAST(ts AS VARCHAR)'), text: 'CAST(ts AS VARCHAR)' };
}

/** Files read by one part of signalingSource's union (CSV parts numbered in this order, for their rejects tables). */
function sourceGroups(files: SignalingFile[]): Map<string, SignalingFile[]> {
  const groups = new Map<string, SignalingFile[]>();
  for (const f of files) {
    const key = `${f.format === 'csv' ? `csv:${f.columns!.join(',')}` : `parquet:${f.types?.ts ?? 'VARCHAR'}`}|${f.countTimeless !== false}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  return groups;
}

/**
 * The union of all usable files as one relation: msisdn, cell_id, plmn, event
 * (VARCHAR), t (epoch milliseconds as DOUBLE, NULL when the time is not valid)
 * and ts (the time as written, for reject samples; NULL where the file stores a
 * typed time, whose text is then made from t).
 */
export function signalingSource(files: SignalingFile[], rejectTables: boolean): string {
  const parts: string[] = [];
  // A daily run's files say which of them are its to count lines without a day in (SignalingFile.countTimeless).
  const counted = files.some((f) => f.countTimeless !== undefined);
  let k = 0;
  for (const [key, group] of sourceGroups(files)) {
    const paths = group.map((f) => q(f.path)).join(', ');
    const flag = counted ? `, ${group[0]!.countTimeless !== false} AS counted` : '';
    if (key.startsWith('parquet:')) {
      const { t, text } = parquetTimeSql(group[0]!.types?.ts);
      parts.push(
        `SELECT CAST(msisdn AS VARCHAR) AS msisdn, ${text} AS ts, ${t} AS t, CAST(cell_id AS VARCHAR) AS cell_id, CAST(plmn AS VARCHAR) AS plmn, CAST(event AS VARCHAR) AS event${flag} FROM read_parquet([${paths}], union_by_name = true)`,
      );
      continue;
    }
    const cols = group[0]!.columns!;
    const colSpec = `{${cols.map((c, i) => `${q(c || `col${i}`)}: 'VARCHAR'`).join(', ')}}`;
    const pick = (c: string) => (cols.includes(c) ? `"${c}"` : 'NULL::VARCHAR');
    const rejects = rejectTables
      ? `, store_rejects = true, rejects_table = 'rej_errors_${k}', rejects_scan = 'rej_scans_${k}'`
      : '';
    parts.push(
      `SELECT ${pick('msisdn')} AS msisdn, ${pick('ts')} AS ts, ${tsMsSql(pick('ts'))} AS t, ${pick('cell_id')} AS cell_id, ${pick('plmn')} AS plmn, ${pick('event')} AS event${flag} FROM read_csv([${paths}], header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = ${colSpec}, ignore_errors = true${rejects})`,
    );
    k++;
  }
  return parts.join(' UNION ALL ');
}

/**
 * DuckDB cannot estimate how many rows a CSV scan yields without sniffing it,
 * guesses low, and then builds its hash tables on the signaling side of a join
 * with the (small) registries. Keeping the joins as written puts the registry
 * on the build side: about 35% less CPU for the scan. The naive rule's
 * connection gets the same setting, so the comparison stays fair.
 */
export const PLAN_PRAGMA = "PRAGMA disabled_optimizers = 'join_order,build_side_probe_side'";

/**
 * SQL expression: epoch milliseconds (DOUBLE) of a time string, NULL unless it
 * is ISO-8601 with a time and an offset (Z, ±hh, ±hhmm, ±hh:mm) or epoch
 * milliseconds (10 to 14 digits). The offset is found by position, not by a
 * regular expression: this runs on every record.
 */
export function tsMsSql(ts: string): string {
  return `CASE WHEN length(${ts}) >= 16 THEN (CASE WHEN ${ts}[-1] IN ('Z', 'z') OR ${ts}[-3] IN ('+', '-') OR ${ts}[-5] IN ('+', '-') OR ${ts}[-6] IN ('+', '-')
    THEN epoch_ms(TRY_CAST(${ts} AS TIMESTAMPTZ))::DOUBLE END)
  WHEN regexp_full_match(${ts}, '[0-9]{10,14}') THEN TRY_CAST(${ts} AS BIGINT)::DOUBLE END`;
}

/** Drops CSV and Parquet files DuckDB cannot open at all, quarantining them whole; counts a Parquet file's records. */
export async function usableFiles(conn: DuckDBConnection, input: InputDir, qr: Quarantine): Promise<SignalingFile[]> {
  for (const s of input.skipped) qr.add('unreadable_file', { file: s.path, text: s.reason });
  const out: SignalingFile[] = [];
  for (const f of input.signaling) {
    if (f.format === 'parquet') {
      try {
        const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(f.path)})`);
        const names = r.getRows().map((row) => String(row[0]).toLowerCase());
        f.types = Object.fromEntries(r.getRows().map((row) => [String(row[0]).toLowerCase(), String(row[1])]));
        const missing = ['msisdn', 'ts', 'cell_id', 'plmn', 'event'].filter((c) => !names.includes(c));
        if (missing.length) {
          qr.add('unreadable_file', { file: f.path, text: `Parquet file lacks column(s) ${missing.join(', ')}` });
          continue;
        }
        // The footer's row count: the shard plan and the progress bar then need no guess.
        const meta = await conn.runAndReadAll(`SELECT sum(num_rows) FROM parquet_file_metadata(${q(f.path)})`);
        f.rows = Number(meta.getRows()[0]?.[0] ?? 0);
      } catch (e) {
        qr.add('unreadable_file', { file: f.path, text: `not a readable Parquet file: ${(e as Error).message}` });
        continue;
      }
    }
    out.push(f);
  }
  return out;
}

/**
 * The scan query: one row per record with its subscriber, time, code (the cell
 * index of a valid record, else minus its reason: one column fewer to hand
 * over per chunk) and event hash, all numbers, plus one text column that is
 * empty except on the few roaming (the PLMN) and rejected (the raw line)
 * records: text columns cost several times more to hand over to JavaScript.
 */
export function scanSql(files: SignalingFile[], range: ScanRange): string {
  const src = signalingSource(files, true);
  // Nearly every record is valid: tested first, in one WHEN, it skips the reasons' tests
  // (about 10% of the scan's SQL time). A known cell implies a cell id; the bounds keep the
  // time plausible and inside the days, so the other WHENs would give 0 too.
  const validFrom = Math.max(range.lo, range.plausibleLo);
  const validTo = Math.min(range.hi, range.plausibleHi);
  // A daily run counts a line once over the days: a line with a real time in the run of its day, whatever
  // else is wrong with it; one without (no time, an impossible one) in the run of its file's home day.
  const other = files.some((f) => f.countTimeless !== undefined)
    ? `WHEN (t IS NULL OR t < ${range.lo} OR t >= ${range.hi}) AND (NOT ev.counted OR (t >= ${range.plausibleLo} AND t < ${range.plausibleHi})) THEN ${OUTSIDE}
         `
    : '';
  return `
WITH ev AS (${src}),
j AS (
  SELECT ev.msisdn, ev.ts, ev.cell_id, ev.plmn, ev.event, ev.t, COALESCE(s.idx, -1) AS sub, COALESCE(c.idx, -1) AS cell,
    CASE WHEN s.idx IS NOT NULL AND c.idx IS NOT NULL AND t >= ${validFrom} AND t < ${validTo} THEN 0
         ${other}WHEN s.idx IS NULL AND (ev.msisdn IS NULL OR NOT regexp_full_match(ev.msisdn, '1[3-9][0-9]{9}')) THEN 1
         WHEN t IS NULL THEN 2
         WHEN t < ${range.plausibleLo} OR t >= ${range.plausibleHi} THEN 3
         WHEN t < ${range.lo} OR t >= ${range.hi} THEN ${OUTSIDE}
         WHEN s.idx IS NULL THEN 4
         WHEN ev.cell_id IS NOT NULL AND ev.cell_id <> '' THEN (CASE WHEN c.idx IS NULL THEN 5 ELSE 0 END)
         WHEN plmn IS NULL OR plmn = '' THEN 6
         ELSE ${ROAMING} END AS reason
  FROM ev LEFT JOIN subs_idx s ON s.msisdn = ev.msisdn LEFT JOIN cells_idx c ON c.cell_id = ev.cell_id
)
SELECT sub, COALESCE(t, -1) AS t, CASE WHEN reason = 0 THEN cell ELSE -reason END AS code,
  (hash(COALESCE(event, '')) % 1000000007)::INTEGER AS ev,
  CASE WHEN reason = ${ROAMING} THEN plmn WHEN reason <> 0 AND reason <> ${OUTSIDE}
    THEN concat_ws(',', COALESCE(msisdn, ''), COALESCE(ts, CAST(t AS BIGINT)::VARCHAR, ''), COALESCE(cell_id, ''), COALESCE(plmn, ''), COALESCE(event, '')) END AS extra
FROM j`;
}

/**
 * The scan for the native engine (scanRawNative): the records' own columns, the
 * time parsed (t), and nothing else. The joins with the registries, the reasons,
 * the event hash and the rejected records' texts, which scanSql makes in SQL at
 * about as much CPU as the parsing itself, are the native scan's.
 */
export function rawScanSql(files: SignalingFile[]): string {
  const counted = files.some((f) => f.countTimeless !== undefined) ? ', counted' : '';
  return `SELECT msisdn, ts, t, cell_id, plmn, event${counted} FROM (${signalingSource(files, true)})`;
}

/** A visited network's country index (countries), or -2 for mainland China, -1 for none known. */
function visitedCountry(plmn: string, plmnCountry: Map<string, number>, countries: CountryTable): number {
  let c = plmnCountry.get(plmn);
  if (c === undefined) {
    const cc = countryOfPlmn(plmn.trim());
    c = cc && cc !== 'CN' ? countries.idx(cc) : cc === 'CN' ? -2 : -1;
    plmnCountry.set(plmn, c);
  }
  return c;
}

/**
 * The place of `records` roaming records of one visited network: its country as
 * -(index + 1) when known; else undefined, and they are counted and sampled.
 */
function roamingPlace(
  plmn: string,
  plmnCountry: Map<string, number>,
  countries: CountryTable,
  qr: Quarantine,
  records = 1,
): number | undefined {
  const c = visitedCountry(plmn, plmnCountry, countries);
  if (c >= 0) return -c - 1;
  const why: RejectReason = c === -2 ? 'no_location' : 'unknown_plmn';
  offerSamples(
    qr,
    why,
    `${plmn}: visited network is ${c === -2 ? 'mainland China without a cell' : 'unknown'}`,
    records,
  );
  return undefined;
}

/**
 * Counts `records` rejected records of one text. The same text offered more often
 * than samples are kept changes nothing: it is offered that often, the rest counted.
 */
function offerSamples(qr: Quarantine, reason: RejectReason, text: string, records: number): void {
  const offered = Math.min(records, qr.samplesPerReason);
  for (let k = 0; k < offered; k++) qr.add(reason, { text });
  if (records > offered) qr.add(reason, undefined, records - offered);
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

/**
 * What the native engine found in DuckDB's chunks, taken in: the rejected records
 * counted with the texts that can be samples, the roaming ones appended to `buf` as
 * their country where it is known (else counted and sampled), and the counts.
 */
function countNativeScan(
  found: NativeScan,
  buf: RecordSink,
  countries: CountryTable,
  plmnCountry: Map<string, number>,
  qr: Quarantine,
): ScanCounts {
  let rejected = 0;
  for (let r = 1; r < found.rejected.length; r++) {
    const n = found.rejected[r]!;
    if (n === 0) continue;
    rejected += n;
    const samples = found.samples[r]!;
    for (const text of samples) qr.add(REASON_CODES[r]!, { text });
    if (n > samples.length) qr.add(REASON_CODES[r]!, undefined, n - samples.length);
  }
  const country = found.plmns.map((plmn) => visitedCountry(plmn, plmnCountry, countries));
  const m = found.roamSub.length;
  const place = new Int32Array(m);
  const keep = new Uint8Array(m);
  const unknown = new Int32Array(found.plmns.length);
  for (let i = 0; i < m; i++) {
    const k = found.roamPlmn[i]!;
    const c = country[k]!;
    if (c < 0) unknown[k]!++;
    else {
      place[i] = -c - 1;
      keep[i] = 1;
    }
  }
  unknown.forEach((n, k) => {
    if (n) roamingPlace(found.plmns[k]!, plmnCountry, countries, qr, n);
  });
  buf.beginRun();
  const kept = buf.appendKept(found.roamSub, found.roamT, place, found.roamEv, keep);
  return {
    rows: found.rows,
    outside: found.outside,
    used: found.rows - found.outside - rejected - m + kept,
  };
}

async function collectCsvRejects(conn: DuckDBConnection, files: SignalingFile[], qr: Quarantine): Promise<void> {
  const groups = [...sourceGroups(files)].filter(([key]) => key.startsWith('csv:'));
  for (let k = 0; k < groups.length; k++) {
    if (groups[k]![1][0]!.countTimeless === false) continue; // another run counts these files' malformed lines
    let rows: unknown[][];
    try {
      const r = await conn.runAndReadAll(
        `SELECT s.file_path, e.line, any_value(e.error_type), any_value(e.csv_line), count(*) OVER () AS total
         FROM rej_errors_${k} e JOIN rej_scans_${k} s USING (scan_id, file_id)
         GROUP BY s.file_path, e.line ORDER BY s.file_path, e.line`,
      );
      rows = r.getRows() as unknown[][];
    } catch {
      continue; // no rejects table: no malformed line in this group
    }
    for (const [file, line, type, text] of rows) {
      qr.add('malformed_line', {
        file: String(file),
        line: Number(line),
        text: `${String(type).toLowerCase()}: ${String(text ?? '')}`,
      });
    }
  }
}
