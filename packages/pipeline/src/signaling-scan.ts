// Reads signaling files (CSV, CSV.gz, Parquet) with DuckDB, validates every
// record, maps it to a cell or a visited country, and streams the valid ones
// into an EventBuffer as typed columns. Rejected records are counted by reason.
import type { DuckDBConnection, DuckDBVarCharVector } from '@duckdb/node-api';
import { countryOfPlmn } from '@itinerary-card/domain';
import type { CountryTable, EventBuffer } from './event-buffer.ts';
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
  shard: number;
  shards: number;
  onRows?: (rows: number) => void;
  onTiming?: (phase: string, ms: number) => void;
}

export interface ScanCounts {
  /** Lines read (valid or not), excluding malformed CSV lines, which are counted as rejects. */
  rows: number;
  used: number;
  outside: number;
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
 * The typed array behind a numeric DuckDB vector. node-api keeps it private in
 * its typings but it is the zero-copy view of the chunk; getItem() per row
 * costs several times more on this hot path.
 */
function items<T extends Int32Array | Float64Array>(v: unknown): T {
  return (v as { items: T }).items;
}
const ROAMING = 10;

/** The union of all usable files as one relation of VARCHAR columns msisdn, ts, cell_id, plmn, event. */
export function signalingSource(files: SignalingFile[], rejectTables: boolean): string {
  const parts: string[] = [];
  const groups = new Map<string, SignalingFile[]>();
  for (const f of files) {
    if (f.format !== 'csv') continue;
    const key = f.columns!.join(',');
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  let k = 0;
  for (const [key, group] of groups) {
    const cols = key.split(',');
    const colSpec = `{${cols.map((c, i) => `${q(c || `col${i}`)}: 'VARCHAR'`).join(', ')}}`;
    const pick = (c: string) => (cols.includes(c) ? `"${c}"` : 'NULL::VARCHAR');
    const rejects = rejectTables
      ? `, store_rejects = true, rejects_table = 'rej_errors_${k}', rejects_scan = 'rej_scans_${k}'`
      : '';
    parts.push(
      `SELECT ${pick('msisdn')} AS msisdn, ${pick('ts')} AS ts, ${pick('cell_id')} AS cell_id, ${pick('plmn')} AS plmn, ${pick('event')} AS event FROM read_csv([${group.map((f) => q(f.path)).join(', ')}], header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = ${colSpec}, ignore_errors = true${rejects})`,
    );
    k++;
  }
  const parquet = files.filter((f) => f.format === 'parquet');
  if (parquet.length) {
    parts.push(
      `SELECT CAST(msisdn AS VARCHAR) AS msisdn, CAST(ts AS VARCHAR) AS ts, CAST(cell_id AS VARCHAR) AS cell_id, CAST(plmn AS VARCHAR) AS plmn, CAST(event AS VARCHAR) AS event FROM read_parquet([${parquet.map((f) => q(f.path)).join(', ')}], union_by_name = true)`,
    );
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
 * SQL expression: epoch milliseconds (DOUBLE) of a ts string, NULL unless it is
 * ISO-8601 with a time and an offset (Z, ±hh, ±hhmm, ±hh:mm) or epoch
 * milliseconds (10 to 14 digits). The offset is found by position, not by a
 * regular expression: this runs on every record.
 */
export const TS_MS_SQL = `CASE WHEN length(ts) >= 16 THEN (CASE WHEN ts[-1] IN ('Z', 'z') OR ts[-3] IN ('+', '-') OR ts[-5] IN ('+', '-') OR ts[-6] IN ('+', '-')
    THEN epoch_ms(TRY_CAST(ts AS TIMESTAMPTZ))::DOUBLE END)
  WHEN regexp_full_match(ts, '[0-9]{10,14}') THEN TRY_CAST(ts AS BIGINT)::DOUBLE END`;

/** Drops CSV and Parquet files DuckDB cannot open at all, quarantining them whole. */
export async function usableFiles(conn: DuckDBConnection, input: InputDir, qr: Quarantine): Promise<SignalingFile[]> {
  for (const s of input.skipped) qr.add('unreadable_file', { file: s.path, text: s.reason });
  const out: SignalingFile[] = [];
  for (const f of input.signaling) {
    if (f.format === 'parquet') {
      try {
        const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(f.path)})`);
        const names = r.getRows().map((row) => String(row[0]).toLowerCase());
        const missing = ['msisdn', 'ts', 'cell_id', 'plmn', 'event'].filter((c) => !names.includes(c));
        if (
          missing.includes('msisdn') ||
          missing.includes('ts') ||
          (missing.includes('cell_id') && missing.includes('plmn'))
        ) {
          qr.add('unreadable_file', { file: f.path, text: `Parquet file lacks column(s) ${missing.join(', ')}` });
          continue;
        }
        if (missing.length) {
          qr.add('unreadable_file', { file: f.path, text: `Parquet file lacks column(s) ${missing.join(', ')}` });
          continue;
        }
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
 * The scan query: one row per record with its subscriber, time, cell, event
 * hash and reject reason, all numbers, plus one text column that is empty
 * except on the few roaming (the PLMN) and rejected (the raw line) records:
 * text columns cost several times more to hand over to JavaScript.
 */
export function scanSql(files: SignalingFile[], range: ScanRange, shard: number, shards: number): string {
  const first = shard === 0;
  const src = signalingSource(files, first);
  const shardFilter = shards > 1 ? `WHERE (sub >= 0 AND sub % ${shards} = ${shard}) OR (${first} AND sub < 0)` : '';
  return `
WITH src AS (${src}),
ev AS (SELECT msisdn, ts, cell_id, plmn, event, ${TS_MS_SQL} AS t FROM src),
j AS (
  SELECT ev.msisdn, ev.ts, ev.cell_id, ev.plmn, ev.event, ev.t, COALESCE(s.idx, -1) AS sub, COALESCE(c.idx, -1) AS cell,
    CASE WHEN s.idx IS NULL AND (ev.msisdn IS NULL OR NOT regexp_full_match(ev.msisdn, '1[3-9][0-9]{9}')) THEN 1
         WHEN t IS NULL THEN 2
         WHEN t < ${range.plausibleLo} OR t >= ${range.plausibleHi} THEN 3
         WHEN t < ${range.lo} OR t >= ${range.hi} THEN ${OUTSIDE}
         WHEN s.idx IS NULL THEN 4
         WHEN ev.cell_id IS NOT NULL AND ev.cell_id <> '' THEN (CASE WHEN c.idx IS NULL THEN 5 ELSE 0 END)
         WHEN plmn IS NULL OR plmn = '' THEN 6
         ELSE ${ROAMING} END AS reason
  FROM ev LEFT JOIN subs_idx s ON s.msisdn = ev.msisdn LEFT JOIN cells_idx c ON c.cell_id = ev.cell_id
)
SELECT sub, COALESCE(t, -1) AS t, cell, (hash(COALESCE(event, '')) % 1000000007)::INTEGER AS ev, reason,
  CASE WHEN reason = ${ROAMING} THEN plmn WHEN reason <> 0 AND reason <> ${OUTSIDE}
    THEN concat_ws(',', COALESCE(msisdn, ''), COALESCE(ts, ''), COALESCE(cell_id, ''), COALESCE(plmn, ''), COALESCE(event, '')) END AS extra
FROM j ${shardFilter}`;
}

/**
 * Scans the files once for one shard of subscribers (sub % shards == shard),
 * appending valid records to `buf`. Shard 0 also counts the records that
 * belong to no subscriber and the malformed CSV lines.
 */
export async function scanSignaling(
  conn: DuckDBConnection,
  files: SignalingFile[],
  range: ScanRange,
  opts: ScanOptions,
  buf: EventBuffer,
  countries: CountryTable,
  qr: Quarantine,
): Promise<ScanCounts> {
  const first = opts.shard === 0;
  const sql = scanSql(files, range, opts.shard, opts.shards);
  // Materialised per shard: DuckDB runs the whole scan on all its threads
  // (a streamed result is pulled through a narrower pipeline), and a shard is
  // sized to fit in memory.
  const tq = performance.now();
  const result = await conn.run(sql);
  opts.onTiming?.('sql', performance.now() - tq);
  const counts: ScanCounts = { rows: 0, used: 0, outside: 0 };
  const plmnCountry = new Map<string, number>();
  // A materialised result's chunks are read synchronously: no round trip to
  // DuckDB's thread per 2,048 rows.
  const chunks = result.chunkCount;
  for (let c = 0; c < chunks; c++) {
    const chunk = result.getChunk(c);
    const n = chunk.rowCount;
    if (n === 0) continue;
    const sub = items<Int32Array>(chunk.getColumnVector(0));
    const t = items<Float64Array>(chunk.getColumnVector(1));
    const cell = items<Int32Array>(chunk.getColumnVector(2));
    const ev = items<Int32Array>(chunk.getColumnVector(3));
    const reason = items<Int32Array>(chunk.getColumnVector(4));
    let extraVec: DuckDBVarCharVector | undefined;
    for (let i = 0; i < n; i++) {
      const r = reason[i]!;
      if (r === 0) {
        buf.push(sub[i]!, t[i]!, cell[i]!, ev[i]!);
        counts.used++;
      } else if (r === OUTSIDE) {
        counts.outside++;
      } else if (r === ROAMING) {
        extraVec ??= chunk.getColumnVector(5) as DuckDBVarCharVector;
        const plmn = extraVec.getItem(i) ?? '';
        let c = plmnCountry.get(plmn);
        if (c === undefined) {
          const cc = countryOfPlmn(plmn.trim());
          c = cc && cc !== 'CN' ? countries.idx(cc) : cc === 'CN' ? -2 : -1;
          plmnCountry.set(plmn, c);
        }
        if (c >= 0) {
          buf.push(sub[i]!, t[i]!, -c - 1, ev[i]!);
          counts.used++;
        } else {
          const why: RejectReason = c === -2 ? 'no_location' : 'unknown_plmn';
          qr.add(
            why,
            qr.wantsSample(why)
              ? { text: `${plmn}: visited network is ${c === -2 ? 'mainland China without a cell' : 'unknown'}` }
              : undefined,
          );
        }
      } else {
        const why = REASON_CODES[r]!;
        if (qr.wantsSample(why)) {
          extraVec ??= chunk.getColumnVector(5) as DuckDBVarCharVector;
          qr.add(why, { text: extraVec.getItem(i) ?? '' });
        } else qr.add(why);
      }
    }
    counts.rows += n;
    opts.onRows?.(n);
  }
  if (first) await collectCsvRejects(conn, files, qr);
  return counts;
}

async function collectCsvRejects(conn: DuckDBConnection, files: SignalingFile[], qr: Quarantine): Promise<void> {
  const groups = new Set(files.filter((f) => f.format === 'csv').map((f) => f.columns!.join(',')));
  for (let k = 0; k < groups.size; k++) {
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
      const sample = qr.wantsSample('malformed_line')
        ? { file: String(file), line: Number(line), text: `${String(type).toLowerCase()}: ${String(text ?? '')}` }
        : undefined;
      qr.add('malformed_line', sample);
    }
  }
}
