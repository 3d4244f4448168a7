// The native raw scan (scanRawNative over rawScanSql: DuckDB parses, the native
// scan joins, decides reasons and keeps the records) against the SQL scan
// (scanSql, read in JavaScript): the same counts, rejects and samples on any
// mix of valid, outside, rejected and roaming records, daily runs' `counted`
// files included; the native CSV reader (readCsvNative) likewise, on odd times and
// lines, each file read by it or declined to DuckDB; and compute's answers equal
// to the TypeScript engine's.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS } from '@itinerary-card/domain';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import type { ScanRange } from '../src/read/scan-sql.ts';
import { withDuckDb } from './duckdb-fixture.ts';
import { bj, makeInput } from './fixture-input.ts';
import { scanBoth, scanNativeAsSql } from './scan-both.ts';

const A = '13800000001';
const B = '13900000002';
const NOW = Date.parse('2022-09-08T09:00:00+08:00');
const LO = Date.parse('2022-08-30T00:00:00+08:00');
const RANGE: ScanRange = { lo: LO, hi: LO + 9 * DAY_MS, plausibleLo: Date.UTC(2009, 0, 1), plausibleHi: NOW + DAY_MS };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const field = {
  msisdn: fc.constantFrom(A, A, B, B, '13912345678', '1380000000', '23800000001', 'abc', '', '１3800000001'),
  ts: fc.oneof(
    fc.tuple(fc.integer({ min: -3, max: 8 }), fc.integer({ min: 0, max: 95 })).map(([d, q]) => bj(d, q / 4)),
    fc.integer({ min: -3, max: 8 }).map((d) => String(Date.parse('2022-09-01T00:00:00+08:00') + d * DAY_MS + 1234)),
    fc.constantFrom(
      '',
      'garbage',
      '2022-09-03T10:00:00Z',
      '2022-09-03T10:00:00.250+08:00',
      '2022-09-03 10:00:00+0800',
      '2022-09-03T10:00:00', // no offset: not a time
      '2022-09-03',
      '1999-01-01T00:00:00+08:00', // impossible
      '2030-01-01T00:00:00+08:00', // impossible (the future)
      '2022-02-30T10:00:00+08:00',
      '99999999999999',
    ),
  ),
  cell: fc.constantFrom('nc-1', 'nc-1', 'jj-b', 'wh-1', 'no-such-cell', '', 'NC-1'),
  plmn: fc.constantFrom('', '', '44010', '99999', '46000', '310260'),
  event: fc.constantFrom('tau', 'data', 'call', '', '事件 with a long name'),
};
const record = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.tuple(field.msisdn, field.ts, field.cell, field.plmn, field.event).map((r) => r.join(',')),
  },
  { weight: 1, arbitrary: fc.constantFrom('garbage without commas', '13800000001,,', 'a,b,c,d,e,f') },
);
/** Files of records: name (CSV or gzip) and lines. */
const inputFiles = fc.array(
  fc.tuple(fc.constantFrom('.csv', '.csv.gz'), fc.array(record, { minLength: 1, maxLength: 60 }), fc.boolean()),
  { minLength: 1, maxLength: 3 },
);

function inputOf(files: Array<[string, string[], boolean]>): string {
  const dir = makeInput(
    [{ msisdn: A }, { msisdn: B, activatedAt: '2022-09-05' }],
    Object.fromEntries(
      files.map(([ext, lines], i) => [`f${i}${ext}`, `msisdn,ts,cell_id,plmn,event\n${lines.join('\n')}\n`]),
    ),
  );
  dirs.push(dir);
  return dir;
}

describe.skipIf(!nativeShardAvailable())('the native raw scan', () => {
  it('counts, rejects and samples as the SQL scan does, daily runs’ counted files included', async () => {
    await fc.assert(
      fc.asyncProperty(inputFiles, fc.boolean(), async (files, daily) => {
        const dir = inputOf(files);
        const counted = daily ? files.map(([, , c]) => c) : undefined;
        const sql = await scanBoth(RANGE, dir, counted, false);
        const raw = await scanBoth(RANGE, dir, counted, true);
        expect(raw.inPlace).toBe(true);
        expect(sql.inPlace).toBe(false);
        expect(raw.counts).toEqual(sql.counts);
        expect(raw.rejected).toEqual(sql.rejected);
        expect(raw.samples).toEqual(sql.samples);
      }),
      { numRuns: 10 },
    );
  }, 60_000);

  it('reads CSV natively as DuckDB does: times to the millisecond, malformed lines, declined files', async () => {
    const two = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));
    // Times the reader reads itself: ISO-8601 with seconds and an offset, in every field's range, ...
    const iso = fc
      .tuple(
        fc.integer({ min: Date.parse('2022-08-27T00:00:00Z'), max: Date.parse('2022-09-11T00:00:00Z') }),
        fc.constantFrom('T', ' '),
        fc.constantFrom('+08:00', '+08:00', 'Z', '-05:30', '+14:00', '+00:00', '-00:00', '+05:45'),
      )
      .map(([ms, sep, off]) => {
        const d = new Date(Math.floor(ms / 1000) * 1000).toISOString();
        return `${d.slice(0, 10)}${sep}${d.slice(11, 19)}${off}`;
      });
    // ... epoch milliseconds, and what is no time at all (no offset, too short) ...
    const epoch = fc
      .integer({ min: Date.parse('2022-08-28T00:00:00Z'), max: Date.parse('2022-09-10T00:00:00Z') })
      .chain((ms) =>
        fc.constantFrom(
          String(ms),
          String(ms).slice(0, 10),
          `0${ms}`,
          `${ms}0`,
          `${ms}00`,
          `+${ms}`,
          '2022-09-03 10:00',
        ),
      );
    // ... and those left to DuckDB's parser (the file is read by DuckDB).
    const odd = fc
      .tuple(
        fc.constantFrom('2022-09-0', '2022-02-3', '2022-13-0', '1899-12-3'),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom('T', 't'),
        two(0, 25),
        two(0, 61),
        two(0, 61),
        fc.constantFrom('', '.5', '.250'),
        fc.constantFrom('+08:00', 'Z', '+15:00', '+08:60', 'z', '+08', '+0800'),
      )
      .map(([ym, d, sep, h, mi, se, frac, off]) => `${ym}${d}${sep}${h}:${mi}:${se}${frac}${off}`);
    const where = fc.constantFrom(',44010', ',44010', ',99999', 'nc-1,', 'no-such-cell,', ',');
    const recordOf = (t: fc.Arbitrary<string>) =>
      fc.tuple(fc.constantFrom(A, B, '1380000000'), t, where).map(([m, ts, w]) => `${m},${ts},${w},tau`);
    const line = fc.oneof(
      { weight: 24, arbitrary: recordOf(iso) },
      { weight: 6, arbitrary: recordOf(epoch) },
      { weight: 1, arbitrary: recordOf(odd) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'garbage without commas',
          '13800000001,,',
          'a,b,c,d,e,f',
          'a,b,c,d,e,',
          `${A},"${bj(2, 3)}",nc-1,,tau`,
          '',
        ),
      },
    );
    const files = fc.array(
      fc.tuple(fc.constantFrom('.csv', '.csv.gz'), fc.array(line, { minLength: 1, maxLength: 30 }), fc.constant(true)),
      { minLength: 1, maxLength: 3 },
    );
    let readNatively = 0;
    await fc.assert(
      fc.asyncProperty(files, async (fs) => {
        const dir = inputOf(fs);
        const raw = await scanNativeAsSql(RANGE, dir);
        readNatively += raw.nativeCsvFiles;
      }),
      { numRuns: 15 },
    );
    expect(readNatively).toBeGreaterThan(0);
  }, 120_000);

  it('reads plain and gzip CSV files natively, and leaves a file it cannot read as DuckDB does to DuckDB', async () => {
    const good = [
      `${A},${bj(2, 3)},,44010,tau`,
      `${A},${String(Date.parse(bj(2, 4)))},nc-1,,data`,
      'garbage',
      `${B},2022-09-03T10:00:00Z,,44010,x,y`,
    ];
    const dir = inputOf([
      ['.csv', good, true],
      ['.csv.gz', good, true],
      ['.csv', [...good, `${A},"${bj(2, 5)}",nc-1,,tau`], true],
      ['.csv', [...good, `${A},2022-09-03T10:00:00.5+08:00,,44010,tau`], true],
    ]);
    const raw = await scanNativeAsSql(RANGE, dir);
    expect(raw.nativeCsvFiles).toBe(2);
    expect(raw.rejected.malformed_line).toBe(8);
  }, 30_000);

  it('gives compute the answers of the TypeScript engine', async () => {
    await fc.assert(
      fc.asyncProperty(inputFiles, async (files) => {
        // A day of records every quarter hour for both numbers, so that there are stays to find.
        const steady: string[] = [];
        for (let d = 0; d < 7; d++)
          for (let q = 0; q < 96; q += 2)
            steady.push(`${q % 6 ? A : B},${bj(d, q / 4)},${d % 3 ? 'nc-1' : 'jj-b'},,tau`);
        const dir = inputOf([...files, ['.csv', steady, true]]);
        const base = { input: dir, date: '2022-09-08', days: 7 as const, now: NOW };
        const native = await compute(base);
        const typescript = await compute({ ...base, nativeEngine: false });
        expect(native.summary).toMatchObject({ engine: 'native', inPlace: true });
        expect(native.lines).toEqual(typescript.lines);
        expect(native.summary.rejected).toEqual(typescript.summary.rejected);
        expect(native.summary.recordsRead).toBe(typescript.summary.recordsRead);
        expect(native.summary.recordsUsed).toBe(typescript.summary.recordsUsed);
        expect(native.samples).toEqual(typescript.samples);
      }),
      { numRuns: 6 },
    );
  }, 60_000);

  it('reads a typed Parquet export (no time text: a rejected record shows its epoch milliseconds)', async () => {
    const dir = inputOf([['.csv', [], true]]);
    rmSync(join(dir, 'signaling', 'f0.csv'));
    const rows = [
      [A, bj(2, 10), 'nc-1', '', 'tau'],
      ['1380000000', bj(2, 11), 'nc-1', '', 'tau'], // bad number, its time as epoch ms
      [B, bj(2, 12), 'no-such-cell', '', 'tau'],
      [A, null, 'nc-1', '', 'tau'], // no time
      [A, bj(3, 1), '', '44010', 'data'],
      [A, '2030-01-01T00:00:00+08:00', 'nc-1', '', 'tau'],
    ];
    const values = rows
      .map((r) => `(${r.map((x, i) => (x === null ? 'NULL' : i === 1 ? `TIMESTAMPTZ '${x}'` : `'${x}'`)).join(', ')})`)
      .join(', ');
    await withDuckDb((conn) =>
      conn.run(
        `COPY (SELECT * FROM (VALUES ${values}) v(msisdn, ts, cell_id, plmn, event)) TO '${join(dir, 'signaling', 'p.parquet')}' (FORMAT parquet)`,
      ),
    );
    const sql = await scanBoth(RANGE, dir, undefined, false);
    const raw = await scanBoth(RANGE, dir, undefined, true);
    expect(raw.inPlace).toBe(true);
    expect(raw.counts).toEqual(sql.counts);
    expect(raw.rejected).toEqual(sql.rejected);
    expect(raw.samples).toEqual(sql.samples);
    expect(raw.samples.find((s) => s.reason === 'bad_msisdn')?.text).toBe(
      `1380000000,${Date.parse(bj(2, 11))},nc-1,,tau`,
    );
  }, 30_000);
});
