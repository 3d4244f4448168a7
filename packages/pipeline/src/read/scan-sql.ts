// The scans' queries: scanSql decides every record's subscriber, cell and
// reject reason in SQL; rawScanSql hands the records' own columns to the
// native scan, which decides them itself.

import type { SignalingFile } from './input-dir.ts';
import type { RejectReason } from './quarantine.ts';
import { signalingSource } from './signaling-source.ts';

export interface ScanRange {
  /** Records in [lo, hi) are used; others are skipped silently (not this run's days). */
  lo: number;
  hi: number;
  /** Records outside [plausibleLo, plausibleHi) are impossible timestamps. */
  plausibleLo: number;
  plausibleHi: number;
}

/** The reject reasons by code: a scan gives a rejected record minus its code. */
export const REASON_CODES: Record<number, RejectReason> = {
  1: 'bad_msisdn',
  2: 'bad_timestamp',
  3: 'impossible_timestamp',
  4: 'unknown_subscriber',
  5: 'unknown_cell',
  6: 'no_location',
};
export const OUTSIDE = 99;

export const ROAMING = 10;

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
