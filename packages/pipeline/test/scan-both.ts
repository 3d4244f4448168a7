// One scan of a test input on a fresh DuckDB, natively (the native readers and the
// raw scan) or by scanSql read in JavaScript, for tests that compare the two.
import { releaseChunksNative } from '@itinerary-card/stay-engine';
import { expect } from 'vitest';
import { CountryTable, EventBuffer } from '../src/compute/event-buffer.ts';
import { inspectInput } from '../src/read/input-dir.ts';
import { Quarantine } from '../src/read/quarantine.ts';
import { loadRegistries } from '../src/read/registry.ts';
import type { ScanRange } from '../src/read/scan-sql.ts';
import { scanSignaling } from '../src/read/signaling-scan.ts';
import { PLAN_PRAGMA } from '../src/read/signaling-source.ts';
import { usableFiles } from '../src/read/usable-files.ts';
import { withDuckDb } from './duckdb-fixture.ts';

/** One scan of the input on a fresh DuckDB: natively from raw columns, or scanSql read in JavaScript. */
export async function scanBoth(range: ScanRange, dir: string, counted: boolean[] | undefined, native: boolean) {
  const input = await inspectInput(dir);
  return withDuckDb(async (conn) => {
    await conn.run(PLAN_PRAGMA);
    const qr = new Quarantine(3);
    const registries = await loadRegistries(conn, input, qr);
    const files = await usableFiles(conn, input, qr);
    if (counted) {
      files.sort((x, y) => x.path.localeCompare(y.path));
      files.forEach((f, i) => {
        f.countTimeless = counted[i]!;
      });
    }
    const buf = new EventBuffer();
    const countries = new CountryTable();
    const counts = await scanSignaling(
      conn,
      files,
      range,
      {},
      buf,
      countries,
      qr,
      native
        ? {
            subscribers: registries.subscribers.length,
            cells: registries.cellCount,
            keys: { subscribers: registries.subscribers.map((s) => s.msisdn), cells: registries.cellIds },
          }
        : undefined,
    );
    if (counts.chunks) releaseChunksNative(counts.chunks);
    // The roaming records kept (in both scans, the only ones the native scan hands to the sink): their times and
    // countries, in order. (A country's index is its order of first sight, which follows the order records are read in.)
    const roaming: Array<[number, number, string]> = [];
    for (let i = 0; i < buf.length; i++)
      if (buf.place[i]! < 0) roaming.push([buf.sub[i]!, buf.t[i]!, countries.codes[-buf.place[i]! - 1]!]);
    roaming.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]));
    return {
      nativeCsvFiles: counts.nativeCsvFiles ?? 0,
      nativeParquetFiles: counts.nativeParquetFiles ?? 0,
      roaming,
      inPlace: counts.chunks !== undefined,
      counts: { rows: counts.rows, used: counts.used, outside: counts.outside },
      rejected: qr.toJSON(),
      samples: qr.samples,
    };
  }, 2);
}

/** The native scan of `dir`, once it is checked to find what the SQL scan finds. */
export async function scanNativeAsSql(range: ScanRange, dir: string): Promise<Awaited<ReturnType<typeof scanBoth>>> {
  const sql = await scanBoth(range, dir, undefined, false);
  const raw = await scanBoth(range, dir, undefined, true);
  expectSameScan(raw, sql);
  return raw;
}

/** The native scan found what the SQL scan found: counts, rejects, samples and roaming records. */
function expectSameScan(raw: Awaited<ReturnType<typeof scanBoth>>, sql: Awaited<ReturnType<typeof scanBoth>>): void {
  expect(raw.counts).toEqual(sql.counts);
  expect(raw.rejected).toEqual(sql.rejected);
  expect(raw.samples).toEqual(sql.samples);
  expect(raw.roaming).toEqual(sql.roaming);
}
