// The native Parquet reader (readParquetNative) against the SQL scan (scanSql,
// DuckDB's read_parquet read in JavaScript): the same counts, rejects, samples
// and roaming times on Parquet files as DuckDB writes them (codecs, row groups,
// plain and dictionary pages, page format v2, NULLs, every kind of time column),
// each file read by the reader or declined to DuckDB; and compute's answers from
// Parquet equal to the TypeScript engine's.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS } from '@itinerary-card/domain';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import type { ScanRange } from '../src/read/scan-sql.ts';
import { withDuckDb } from './duckdb-fixture.ts';
import { bj, makeInput } from './fixture-input.ts';
import { scanNativeAsSql } from './scan-both.ts';

const A = '13800000001';
const B = '13900000002';
const NOW = Date.parse('2022-09-08T09:00:00+08:00');
const LO = Date.parse('2022-08-30T00:00:00+08:00');
const RANGE: ScanRange = { lo: LO, hi: LO + 9 * DAY_MS, plausibleLo: Date.UTC(2009, 0, 1), plausibleHi: NOW + DAY_MS };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A record: msisdn, time in microseconds since 1970, cell_id, plmn, event (null: NULL). */
type PqRow = [string | null, number | null, string | null, string | null, string | null];

/** How a file's ts column is written: the SQL over `us` (BIGINT microseconds) that makes it. */
const TIME_TYPES: Record<string, string> = {
  timestamptz: 'make_timestamp(us)::TIMESTAMPTZ',
  timestamp: 'make_timestamp(us)',
  timestamp_ms: 'make_timestamp(us)::TIMESTAMP_MS',
  timestamp_ns: 'make_timestamp(us)::TIMESTAMP_NS', // nanoseconds: declined
  bigint: '(us // 1000)::BIGINT', // epoch milliseconds as a number
  integer: '(us // 1000 % 2000000000)::INTEGER', // a number that is no plausible time
  varchar: "strftime(make_timestamp(us), '%Y-%m-%dT%H:%M:%S') || '+00:00'", // text: declined
};

interface PqFile {
  rows: PqRow[];
  time: string;
  options: string;
}

const sql = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);

/** Runs `statements` (COPY … TO a Parquet file) on a DuckDB of their own. */
function writeWithDuckDb(statements: string[]): Promise<void> {
  return withDuckDb(async (conn) => {
    for (const s of statements) await conn.run(s);
  });
}

/** An empty input directory with the fixture's registries (A and B subscribers), removed after the tests. */
function emptyInput(): string {
  const dir = makeInput([{ msisdn: A }, { msisdn: B }], {});
  dirs.push(dir);
  return dir;
}

/** An input directory of Parquet files written by DuckDB, with the fixture's registries. */
async function inputOf(files: PqFile[]): Promise<string> {
  const dir = makeInput([{ msisdn: A }, { msisdn: B, activatedAt: '2022-09-05' }], {});
  dirs.push(dir);
  await writeWithDuckDb(
    files.map((f, i) => {
      const values = f.rows.map((r) => `(${r.map(sql).join(', ')})`).join(', ');
      return `COPY (SELECT msisdn::VARCHAR AS msisdn, ${TIME_TYPES[f.time]} AS ts, cell_id::VARCHAR AS cell_id, plmn::VARCHAR AS plmn, event::VARCHAR AS event
           FROM (VALUES ${values}) v(msisdn, us, cell_id, plmn, event))
         TO '${join(dir, 'signaling', `p${i}.parquet`)}' (FORMAT parquet${f.options})`;
    }),
  );
  return dir;
}

const us = (iso: string) => Date.parse(iso) * 1000;
const row: fc.Arbitrary<PqRow> = fc.tuple(
  fc.constantFrom<string | null>(A, A, A, B, B, '13912345678', '1380000000', 'abc', '', null),
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.integer({ min: us('2022-08-29T00:00:00Z'), max: us('2022-09-09T00:00:00Z') }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<number | null>(
        null,
        us('1999-01-01T00:00:00Z'), // impossible
        us('2030-01-01T00:00:00Z'), // impossible (the future)
        1_500, // 1970 and a millisecond and a half
      ),
    },
  ),
  fc.constantFrom<string | null>('nc-1', 'nc-1', 'jj-b', 'wh-1', 'no-such-cell', '', null),
  fc.constantFrom<string | null>(null, null, null, '', '44010', '99999', '310260'),
  fc.constantFrom<string | null>('tau', 'data', 'call', '', null),
);
/** Rarely, what the reader leaves to DuckDB: a time before 1970, a non-ASCII number. */
const odd: fc.Arbitrary<PqRow> = fc.constantFrom<PqRow>(
  [A, -1_000_500, 'nc-1', null, 'tau'],
  ['１3800000001', us('2022-09-03T10:00:00Z'), 'nc-1', null, 'tau'],
);
const pqFile: fc.Arbitrary<PqFile> = fc.record({
  rows: fc.array(fc.oneof({ weight: 60, arbitrary: row }, { weight: 1, arbitrary: odd }), {
    minLength: 1,
    maxLength: 80,
  }),
  time: fc.constantFrom(
    'timestamptz',
    'timestamptz',
    'timestamp',
    'timestamp_ms',
    'bigint',
    'integer',
    'timestamp_ns',
    'varchar',
  ),
  options: fc.constantFrom(
    '',
    ", COMPRESSION 'uncompressed'",
    ', ROW_GROUP_SIZE 2048', // several row groups where there are more rows than that
    ', STRING_DICTIONARY_PAGE_SIZE_LIMIT 1', // plain pages only
    ", COMPRESSION 'zstd'", // declined
    ", PARQUET_VERSION 'V2'", // delta encodings: declined
  ),
});

describe.skipIf(!nativeShardAvailable())('the native Parquet reader', () => {
  it('counts, rejects and samples as the SQL scan does, each file read natively or by DuckDB', async () => {
    let readNatively = 0;
    let declined = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pqFile, { minLength: 1, maxLength: 3 }), async (files) => {
        const dir = await inputOf(files);
        const raw = await scanNativeAsSql(RANGE, dir);
        expect(raw.inPlace).toBe(true);
        readNatively += raw.nativeParquetFiles;
        declined += files.length - raw.nativeParquetFiles;
      }),
      {
        numRuns: 25,
        // Roaming records of two countries, whose first sight (a country's index) follows the order the
        // readers and DuckDB's threads hand records over in: compared by country, not by index.
        examples: [
          [
            [
              {
                rows: [
                  [A, 1662040601870052, '', '44010', 'tau'],
                  [A, 1661731200000000, 'nc-1', null, 'tau'],
                ],
                time: 'timestamp',
                options: '',
              },
              {
                rows: [
                  [A, 1661800570736898, '', '310260', 'tau'],
                  [A, 1662009682361923, 'nc-1', null, 'tau'],
                ],
                time: 'timestamp',
                options: '',
              },
              {
                rows: [
                  [B, 1661847489294872, '', null, ''],
                  ['1380000000', null, 'no-such-cell', null, 'data'],
                ],
                time: 'varchar',
                options: '',
              },
            ],
          ],
        ],
      },
    );
    expect(readNatively).toBeGreaterThan(0);
    expect(declined).toBeGreaterThan(0);
  }, 120_000);

  it('reads many row groups, with dictionary and plain pages, as DuckDB does', async () => {
    // 30,000 records of a few thousand distinct cell ids and numbers: several row groups and pages.
    const dir = emptyInput();
    const records = `SELECT CASE WHEN i % 11 = 0 THEN '1380000' || lpad((i % 9973)::VARCHAR, 4, '0') WHEN i % 2 = 1 THEN '${A}' ELSE '${B}' END AS msisdn,
        CASE WHEN i % 997 <> 0 THEN make_timestamp(${us('2022-09-02T00:00:00Z')} + i * 7000123) END AS ts,
        CASE WHEN i % 5 = 0 THEN 'cell-' || (i % 4099) WHEN i % 17 = 0 THEN NULL ELSE 'nc-1' END AS cell_id,
        CASE WHEN i % 13 = 0 THEN '44010' END AS plmn, ['tau', 'data', 'call'][i % 3 + 1] AS event
      FROM range(30000) r(i)`;
    await writeWithDuckDb([
      `COPY (${records}) TO '${join(dir, 'signaling', 'a.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`,
      `COPY (SELECT * REPLACE (ts::TIMESTAMP_MS AS ts) FROM (${records})) TO '${join(dir, 'signaling', 'b.parquet')}' (FORMAT parquet, COMPRESSION 'uncompressed')`,
    ]);
    const raw = await scanNativeAsSql(RANGE, dir);
    expect(raw.nativeParquetFiles).toBe(2);
    expect(raw.counts.rows).toBe(60_000);
    expect(raw.roaming.length).toBeGreaterThan(0);
  }, 60_000);

  it('declines a file whole when any of its row groups cannot be read, whichever thread read the others', async () => {
    // Row groups of 1,024 records, shared out between the reader's threads; in `late.parquet` only the
    // last holds a text the reader declines (non-ASCII), in `early.parquet` only the first.
    const dir = emptyInput();
    const records = (
      bad: string,
    ) => `SELECT CASE WHEN ${bad} THEN '1380000000é' WHEN i % 2 = 1 THEN '${A}' ELSE '${B}' END AS msisdn,
        make_timestamp(${us('2022-09-02T00:00:00Z')} + i * 9000123) AS ts,
        CASE WHEN i % 7 = 0 THEN 'cell-' || (i % 31) ELSE 'nc-1' END AS cell_id, NULL::VARCHAR AS plmn, 'tau' AS event
      FROM range(12000) r(i)`;
    await writeWithDuckDb(
      [
        ['late', 'i = 11999'],
        ['early', 'i = 3'],
        ['good', 'false'],
      ].map(
        ([name, bad]) =>
          `COPY (${records(bad!)}) TO '${join(dir, 'signaling', `${name}.parquet`)}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`,
      ),
    );
    const raw = await scanNativeAsSql(RANGE, dir);
    expect(raw.nativeParquetFiles).toBe(1);
    expect(raw.counts.rows).toBe(36_000);
    expect(raw.rejected).toMatchObject({ bad_msisdn: 2 });
  }, 60_000);

  it('finds the five columns among nested and other columns, whatever their case and order', async () => {
    const dir = emptyInput();
    await writeWithDuckDb([
      `COPY (SELECT {'a': i, 'b': [i, i + 1]} AS meta, [i, 2 * i] AS tags, 'cmcc' AS operator,
            CASE WHEN i % 3 = 0 THEN 'nc-1' ELSE 'no-such-cell' END AS CELL_ID, 'tau' AS Event,
            make_timestamp(${us('2022-09-02T00:00:00Z')} + i * 60000000) AS Ts, NULL::VARCHAR AS plmn,
            CASE WHEN i % 2 = 0 THEN '${A}' ELSE '1380000000' END AS MSISDN
          FROM range(500) r(i)) TO '${join(dir, 'signaling', 'n.parquet')}' (FORMAT parquet)`,
    ]);
    const raw = await scanNativeAsSql(RANGE, dir);
    expect(raw.nativeParquetFiles).toBe(1);
    expect(raw.counts.used).toBeGreaterThan(0);
  }, 30_000);

  it('gives compute the answers of the TypeScript engine, with CSV and Parquet files together', async () => {
    const steady: PqRow[] = [];
    for (let d = 0; d < 7; d++)
      for (let q = 0; q < 96; q += 2)
        steady.push([q % 6 ? A : B, us(bj(d, q / 4)), d % 3 ? 'nc-1' : 'jj-b', null, 'tau']);
    steady.push([A, us(bj(3, 2)), null, '44010', 'data'], ['1380000000', us(bj(3, 3)), 'nc-1', null, 'tau']);
    const dir = await inputOf([
      { rows: steady, time: 'timestamptz', options: '' },
      { rows: steady.slice(0, 100), time: 'timestamptz', options: ", COMPRESSION 'zstd'" },
    ]);
    // A CSV file too: the native CSV reader's records and the Parquet reader's share the chunks.
    writeFileSync(join(dir, 'signaling', 'c.csv'), `msisdn,ts,cell_id,plmn,event\n${A},${bj(4, 1)},wh-1,,tau\n`);
    const base = { input: dir, date: '2022-09-08', days: 7 as const, now: NOW };
    const native = await compute(base);
    const typescript = await compute({ ...base, nativeEngine: false });
    expect(native.summary).toMatchObject({ engine: 'native', inPlace: true, nativeCsvFiles: 1, nativeParquetFiles: 1 });
    expect(native.lines).toEqual(typescript.lines);
    expect(native.summary.rejected).toEqual(typescript.summary.rejected);
    expect(native.summary.recordsRead).toBe(typescript.summary.recordsRead);
    expect(native.summary.recordsUsed).toBe(typescript.summary.recordsUsed);
    expect(native.samples).toEqual(typescript.samples);
    expect(native.lines.find((l) => l.msisdn === A)?.cities.length).toBeGreaterThan(0);
  }, 60_000);
});
