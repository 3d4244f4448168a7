// A node whose day before was run by a version that stored its carries as
// carry.jsonl (JSON lines, stored-carry.ts) carries from that file: the next days
// write what they write after a day that stored carry.bin, on either engine.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { type CarryFile, readCarryFile } from '../src/daily/carry-file.ts';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { bj, DAILY, every, makeInput, type Row, removedAfterAll } from './fixture-input.ts';

const { KEY, A, B, NOW } = DAILY;
const cleanup = removedAfterAll();

function rows(): Row[] {
  const r: Row[] = [];
  for (let d = 2; d < 6; d++) r.push(...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5));
  // B's stay from 22:00 to 03:00 over two midnights, with a roaming record late each evening.
  for (const d of [2, 3])
    r.push(
      [B, bj(d, 23.8), '', '45400', 'data'],
      ...every(B, d, 22, 23.5, 'wh-1', 0.5),
      ...every(B, d + 1, 0, 3, 'wh-1', 0.5),
    );
  return r.sort((a, b) => a[1].localeCompare(b[1]));
}

/** carry.bin's carries as the lines of carry.jsonl (CarryCodec.line), sorted. */
function jsonLines(f: CarryFile): string {
  const lines = f.p.map((p, n) => {
    const { ints, floats } = f;
    let i = f.at[n]!;
    let k = f.fat[n]!;
    const [st, es, ea, nt, ne, nm, nl, ns] = [1, 2, 3, 4, 5, 6, 7, 8].map((x) => ints[i + x]!) as number[];
    i += 9;
    const rs = floats[k++]!;
    const t: number[] = [];
    const pl: string[] = [];
    for (let j = 0; j < nt!; j++) {
      const x = ints[i + j]!;
      pl.push(x < 0 ? `@${f.countries[-x - 1]}` : f.cells[x]!);
      t.push(floats[k + j]!);
    }
    i += nt!;
    k += nt!;
    const named = (n: number, value: (j: number) => unknown, names = f.cities) => {
      const o: Record<string, unknown> = {};
      for (let j = 0; j < n; j++) o[names[ints[i + j]!]!] = value(j);
      return o;
    };
    const ec = named(ne!, (j) => floats[k + j]);
    i += ne!;
    k += ne!;
    const mc = named(nm!, (j) => floats[k + j]);
    i += nm!;
    const lc = named(nl!, (j) => [f.cities[ints[i + nl! + j]!], ints[i + 2 * nl! + j]], f.cells);
    i += 3 * nl!;
    const si = ns! < 0 ? { '*': 0 } : named(ns!, (j) => ints[i + ns! + j]);
    return JSON.stringify({
      p,
      s: st === -1 ? '@' : st === -3 ? '?' : f.cities[st!],
      rs,
      es,
      ea: ea! >= 0 ? f.cells[ea!] : null,
      ec,
      t,
      pl,
      ...(nm ? { mc } : {}),
      ...(nl ? { lc } : {}),
      ...(ns ? { si } : {}),
    });
  });
  return lines.length ? `${lines.sort().join('\n')}\n` : '';
}

describe('a day before stored as carry.jsonl', () => {
  it('is carried from as carry.bin is, on either engine', async () => {
    const input = makeInput([{ msisdn: A }, { msisdn: B }], { 'all.csv': rows() });
    cleanup.push(input);
    const run = async (data: string, from: string, to: string, nativeEngine?: boolean) => {
      for (let day = from; day <= to; day = addDays(day, 1))
        await runDailyDay({ input, data, day, operator: 'cmcc', pseudonymKey: KEY, now: NOW, nativeEngine });
    };
    const written = (data: string, day: string) =>
      ['summary.jsonl', 'carry.bin'].map((f) => readFileSync(join(data, 'days', day, f), 'latin1'));
    const now = mkdtempSync(join(tmpdir(), 'ic-carry-'));
    cleanup.push(now);
    await run(now, '2022-09-03', '2022-09-06');
    // B carries its Wuhan stay and the roaming record's country over midnight.
    const bin = readCarryFile(readFileSync(join(now, 'days', '2022-09-04', 'carry.bin')));
    expect(jsonLines(bin)).toContain('"@HK"');
    for (const engine of [true, false]) {
      const older = mkdtempSync(join(tmpdir(), 'ic-carry-'));
      cleanup.push(older);
      await run(older, '2022-09-03', '2022-09-04');
      const dir = join(older, 'days', '2022-09-04');
      writeFileSync(join(dir, 'carry.jsonl'), jsonLines(readCarryFile(readFileSync(join(dir, 'carry.bin')))));
      rmSync(join(dir, 'carry.bin'));
      await run(older, '2022-09-05', '2022-09-06', engine);
      for (const day of ['2022-09-05', '2022-09-06']) expect(written(older, day)).toEqual(written(now, day));
    }
  }, 60_000);
});
