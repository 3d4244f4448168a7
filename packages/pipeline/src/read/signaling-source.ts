// The SQL that reads every usable signaling file (CSV, CSV.gz, Parquet) with
// DuckDB as one relation of text columns and the parsed time: what the scans,
// the naive rule and the file index read.
import type { SignalingFile } from './input-dir.ts';

/** A SQL string literal of `s`. */
export const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

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
export function sourceGroups(files: SignalingFile[]): Map<string, SignalingFile[]> {
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
function tsMsSql(ts: string): string {
  return `CASE WHEN length(${ts}) >= 16 THEN (CASE WHEN ${ts}[-1] IN ('Z', 'z') OR ${ts}[-3] IN ('+', '-') OR ${ts}[-5] IN ('+', '-') OR ${ts}[-6] IN ('+', '-')
    THEN epoch_ms(TRY_CAST(${ts} AS TIMESTAMPTZ))::DOUBLE END)
  WHEN regexp_full_match(${ts}, '[0-9]{10,14}') THEN TRY_CAST(${ts} AS BIGINT)::DOUBLE END`;
}
