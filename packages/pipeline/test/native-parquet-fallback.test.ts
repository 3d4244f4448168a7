// Where the native Parquet reader cannot be used (readParquetNative undefined), or
// reads some files but DuckDB's result for the others cannot be read natively
// (another version of the bindings), compute reads the files as without it: the
// same answers, rejects and samples as the TypeScript engine's.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { withDuckDb } from './duckdb-fixture.ts';
import { bj, makeInput } from './fixture-input.ts';

const off = vi.hoisted(() => ({ parquet: false, raw: false }));
vi.mock('@itinerary-card/stay-engine', async (original) => {
  const real = await original<typeof import('@itinerary-card/stay-engine')>();
  return {
    ...real,
    readParquetNative: (...a: Parameters<typeof real.readParquetNative>) =>
      off.parquet ? undefined : real.readParquetNative(...a),
    scanChunksNative: (...a: Parameters<typeof real.scanChunksNative>) =>
      off.raw ? undefined : real.scanChunksNative(...a),
    scanRawNative: (...a: Parameters<typeof real.scanRawNative>) => (off.raw ? undefined : real.scanRawNative(...a)),
  };
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const A = '13800000001';
const B = '13900000002';

/** A's week in Nanchang (Jiujiang on day 3) in one file the reader reads, B's in Wuhan in a zstd file it declines. */
async function input(): Promise<string> {
  const dir = makeInput([{ msisdn: A }, { msisdn: B }], {});
  dirs.push(dir);
  const week = (m: string, cell: (d: number) => string) => {
    const rows: string[] = [];
    for (let d = 0; d < 7; d++)
      for (let h = 0; h <= 23.5; h += 0.5)
        rows.push(`('${m}', TIMESTAMPTZ '${bj(d, h)}', '${cell(d)}', NULL::VARCHAR, 'tau')`);
    return rows;
  };
  await withDuckDb(async (conn) => {
    const copy = (rows: string[], file: string, options: string) =>
      conn.run(
        `COPY (SELECT * FROM (VALUES ${rows.join(', ')}) v(msisdn, ts, cell_id, plmn, event)) TO '${join(dir, 'signaling', file)}' (FORMAT parquet${options})`,
      );
    await copy(
      week(A, (d) => (d === 3 ? 'jj-1' : 'nc-1')),
      'a.parquet',
      '',
    );
    await copy(
      [...week(B, () => 'wh-1'), `('1380000000', TIMESTAMPTZ '${bj(1, 1)}', 'nc-1', NULL, 'tau')`],
      'b.parquet',
      ", COMPRESSION 'zstd'",
    );
  });
  return dir;
}

describe.skipIf(!nativeShardAvailable())('compute on Parquet without the native Parquet reader’s fast path', () => {
  const base = { date: '2022-09-08', days: 7 as const, now: Date.parse('2022-09-08T09:00:00+08:00') };

  it.each([
    ['the reader cannot be used', { parquet: true, raw: false }, true],
    ['DuckDB’s result cannot be read natively', { parquet: false, raw: true }, false],
  ])('reads every file as without it when %s', async (_, how, inPlace) => {
    const dir = await input();
    off.parquet = false;
    off.raw = false;
    const typescript = await compute({ ...base, input: dir, nativeEngine: false });
    Object.assign(off, how);
    try {
      const native = await compute({ ...base, input: dir });
      expect(native.summary).toMatchObject({ engine: 'native', inPlace, nativeParquetFiles: 0 });
      expect(native.lines).toEqual(typescript.lines);
      expect(native.summary.rejected).toEqual(typescript.summary.rejected);
      expect(native.summary.recordsRead).toBe(typescript.summary.recordsRead);
      expect(native.samples).toEqual(typescript.samples);
      expect(native.summary.rejected).toMatchObject({ bad_msisdn: 1 });
      expect(native.lines.find((l) => l.msisdn === A)).toMatchObject({ cities: ['360100', '360400'] });
      expect(native.lines.find((l) => l.msisdn === B)).toMatchObject({ cities: ['420100'] });
    } finally {
      off.parquet = false;
      off.raw = false;
    }
    // With both, the reader reads a.parquet and DuckDB b.parquet: the same answers again.
    const both = await compute({ ...base, input: dir });
    expect(both.summary).toMatchObject({ inPlace: true, nativeParquetFiles: 1 });
    expect(both.lines).toEqual(typescript.lines);
    expect(both.samples).toEqual(typescript.samples);
  });
});
