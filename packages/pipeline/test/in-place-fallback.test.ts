// Where the native engine cannot read DuckDB's chunks (another version of the
// bindings, another platform), compute reads them in JavaScript and hands the
// native engine columns: the same answers, rejects and samples.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { bj, every, makeInput, type Row } from './fixture-input.ts';

vi.mock('@itinerary-card/stay-engine', async (original) => ({
  ...(await original<typeof import('@itinerary-card/stay-engine')>()),
  scanChunksNative: () => undefined,
  scanRawNative: () => undefined,
  readCsvNative: () => undefined,
}));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('compute when the chunks cannot be read in place', () => {
  it('reads them in JavaScript, with the answers of the TypeScript engine', async () => {
    const A = '13800000001';
    const B = '13900000002';
    const rows: Row[] = [];
    for (let d = 0; d < 7; d++) {
      rows.push(...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5));
      for (let k = 0; k < 96; k++) rows.push([B, bj(d, k / 4), k % 5 < 3 ? 'nc-b' : 'jj-b', '', 'tau']);
    }
    rows.push([A, bj(5, 12.25), '', '44010', 'data'], [A, bj(5, 13), '', '99999', 'data']);
    rows.push(['1380000000', bj(1, 1), 'nc-1', '', 'tau'], [A, bj(2, 3), 'no-such-cell', '', 'tau']);
    const dir = makeInput([{ msisdn: A }, { msisdn: B }], {
      'all.csv': rows.sort((a, b) => Date.parse(a[1]) - Date.parse(b[1])),
    });
    dirs.push(dir);
    const base = { input: dir, date: '2022-09-08', days: 7 as const, now: Date.parse('2022-09-08T09:00:00+08:00') };
    const native = await compute({ ...base, threads: 2, parallelMinRecords: 0 });
    const typescript = await compute({ ...base, threads: 2, parallelMinRecords: 0, nativeEngine: false });
    expect(native.summary).toMatchObject({ engine: 'native', inPlace: false });
    expect(native.lines).toEqual(typescript.lines);
    expect(native.summary.rejected).toEqual(typescript.summary.rejected);
    expect(native.samples).toEqual(typescript.samples);
    expect(native.summary.rejected).toMatchObject({ bad_msisdn: 1, unknown_cell: 1, unknown_plmn: 1 });
    expect(native.lines.find((l) => l.msisdn === A)).toMatchObject({ countries: ['JP'] }); // MCC 440;
  });
});
