// The records a scan does not keep as they are: rejected ones counted by reason
// with their samples, roaming ones mapped to their visited country, malformed
// CSV lines from DuckDB's rejects tables.
import type { DuckDBConnection } from '@duckdb/node-api';
import { countryOfPlmn } from '@itinerary-card/domain';
import type { NativeCsvScan, NativeScan } from '@itinerary-card/stay-engine';
import type { CountryTable, RecordSink } from '../compute/event-buffer.ts';
import type { SignalingFile } from './input-dir.ts';
import type { Quarantine, RejectReason } from './quarantine.ts';
import { REASON_CODES } from './scan-sql.ts';
import { sourceGroups } from './signaling-source.ts';

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
export function roamingPlace(
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
 * What the native engine found in DuckDB's chunks, taken in: the rejected records
 * counted with the texts that can be samples, the roaming ones appended to `buf` as
 * their country where it is known (else counted and sampled), and the counts.
 */
export function countNativeScan(
  found: NativeScan,
  buf: RecordSink,
  countries: CountryTable,
  plmnCountry: Map<string, number>,
  qr: Quarantine,
): { rows: number; outside: number; used: number } {
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

/**
 * Counts and samples the malformed lines of the files the native CSV reader read (`read`:
 * the files it did not decline, in the order it was given them), as collectCsvRejects
 * would from DuckDB's rejects tables: a daily run's files whose lines another run counts
 * (countTimeless false) not at all.
 */
export function countNativeCsv(found: NativeCsvScan, read: SignalingFile[], qr: Quarantine): void {
  const files: SignalingFile[] = [];
  for (let i = 0, k = 0; i < found.declined.length; i++) if (found.declined[i] === 0) files[i] = read[k++]!;
  let sampled = 0;
  let total = 0;
  for (let i = 0; i < found.malformed.length; i++) if (files[i]?.countTimeless !== false) total += found.malformed[i]!;
  for (let s = 0; s < found.malformedText.length; s++) {
    const file = files[found.malformedFile[s]!]!;
    if (file.countTimeless === false) continue;
    qr.add('malformed_line', {
      file: file.path,
      line: found.malformedLine[s]!,
      text: found.malformedText[s]!,
    });
    sampled++;
  }
  if (total > sampled) qr.add('malformed_line', undefined, total - sampled);
}

/** Counts and samples the malformed CSV lines, from DuckDB's rejects tables. */
export async function collectCsvRejects(conn: DuckDBConnection, files: SignalingFile[], qr: Quarantine): Promise<void> {
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
