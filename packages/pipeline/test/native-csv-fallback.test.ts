// Where the native CSV reader reads some files but DuckDB's result cannot be read
// natively (another version of the bindings), compute lets the reader's records
// go and reads every file as without it: the same answers, rejects and samples.
import { rmSync } from 'node:fs';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { bj, every, makeInput, type Row } from './fixture-input.ts';

vi.mock('@itinerary-card/stay-engine', async (original) => ({
  ...(await original<typeof import('@itinerary-card/stay-engine')>()),
  scanChunksNative: () => undefined,
  scanRawNative: () => undefined,
}));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!nativeShardAvailable())(
  'compute when the native CSV reader leaves files DuckDB cannot hand over natively',
  () => {
    it('reads every file in JavaScript, with the answers of the TypeScript engine', async () => {
      const A = '13800000001';
      const B = '13900000002';
      const rows: Row[] = [];
      for (let d = 0; d < 7; d++) rows.push(...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5));
      const quoted: Row[] = [];
      for (let d = 0; d < 7; d++) quoted.push(...every(B, d, 0, 23.5, 'wh-1', 0.5));
      // A quoted field: the native reader declines this file, DuckDB is to read it.
      quoted.push([B, `"${bj(2, 3)}"`, 'wh-1', '', 'tau'], ['1380000000', bj(1, 1), 'nc-1', '', 'tau']);
      const dir = makeInput([{ msisdn: A }, { msisdn: B }], {
        'a.csv.gz': rows,
        'b.csv': quoted,
      });
      dirs.push(dir);
      const base = { input: dir, date: '2022-09-08', days: 7 as const, now: Date.parse('2022-09-08T09:00:00+08:00') };
      const native = await compute(base);
      const typescript = await compute({ ...base, nativeEngine: false });
      expect(native.summary).toMatchObject({ engine: 'native', inPlace: false, nativeCsvFiles: 0 });
      expect(native.lines).toEqual(typescript.lines);
      expect(native.summary.rejected).toEqual(typescript.summary.rejected);
      expect(native.samples).toEqual(typescript.samples);
      expect(native.summary.rejected).toMatchObject({ bad_msisdn: 1 });
      expect(native.lines.find((l) => l.msisdn === B)).toMatchObject({ cities: ['420100'] });
    });
  },
);
