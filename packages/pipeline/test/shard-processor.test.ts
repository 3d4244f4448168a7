import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordSorter } from '../src/shard-processor.ts';

type Rec = [number, number, number];

function columns(recs: Rec[]) {
  return {
    t: Float64Array.from(recs, (r) => r[0]),
    place: Int32Array.from(recs, (r) => r[1]),
    ev: Int32Array.from(recs, (r) => r[2]),
  };
}
const rows = (c: ReturnType<typeof columns>, m: number): Rec[] =>
  Array.from(c.t.subarray(0, m), (t, i) => [t, c.place[i]!, c.ev[i]!]);
const bySortKey = (a: Rec, b: Rec) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

describe('ordering a subscriber’s records', () => {
  const sorter = new RecordSorter();
  const check = (recs: Rec[]) => {
    // Room after the records, as in the shard processor's buffers: it must be left alone.
    const c = columns([...recs, [-1, -1, -1]]);
    sorter.sort(c.t, c.place, c.ev, recs.length);
    expect(rows(c, recs.length)).toEqual([...recs].sort(bySortKey));
    expect(c.t[recs.length]).toBe(-1);
  };

  it('sorts by (time, place, event) whatever the input order, equal times included', () => {
    const base = 1_662_000_000_000;
    const rec = fc.tuple(
      fc.integer({ min: 0, max: 30 }).map((x) => base + x * 60_000),
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
    );
    fc.assert(fc.property(fc.array(rec, { maxLength: 80 }), (recs) => check(recs as Rec[])));
  });

  it('sorts times too far apart or fractional for its packed keys another way', () => {
    check([
      [3e12, 0, 0],
      [1e12, 1, 0],
      [1e12, 0, 1],
      [2e12, 0, 0],
    ]);
    check([
      [1.5, 0, 0],
      [0.5, 2, 0],
      [0.5, 1, 0],
    ]);
  });

  it('sorts a large group (the packed index has room for it)', () => {
    const recs: Rec[] = Array.from({ length: 50_000 }, (_, i) => [
      1_662_000_000_000 + ((i * 7919) % 50_000) * 1000,
      i % 3,
      0,
    ]);
    check(recs);
  });
});
