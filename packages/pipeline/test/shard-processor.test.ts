import { buildCellModel } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBuffer } from '../src/compute/event-buffer.ts';
import { insertionSort, processShard, RecordSorter } from '../src/compute/shard-processor.ts';

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
/** A record of one subscriber's group: minutes apart, so equal times come up often. */
const rec = fc.tuple(
  fc.integer({ min: 0, max: 30 }).map((x) => 1_662_000_000_000 + x * 60_000),
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: 0, max: 3 }),
);

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

describe('ordering a nearly ordered group', () => {
  it('gives the same order as a full sort, whatever is out of place', () => {
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 60 }), fc.array(rec, { maxLength: 4 }), (main, late) => {
        // An ordered group with a few records out of place: late ones, appended at its end.
        const recs = [...(main as Rec[]).sort(bySortKey), ...(late as Rec[])];
        const c = columns([...recs, [-1, -1, -1]]);
        insertionSort(c.t, c.place, c.ev, recs.length);
        expect(rows(c, recs.length)).toEqual([...recs].sort(bySortKey));
        expect(c.t[recs.length]).toBe(-1);
      }),
    );
  });
});

describe('the reading order of a shard', () => {
  const lo = Date.UTC(2022, 8, 1) - 8 * 3_600_000;
  // Four cities, a cell in each, two of them close enough to cross-cover each other.
  const model = buildCellModel(
    [
      { city: 0, lat: 28.68, lon: 115.89 },
      { city: 1, lat: 28.7, lon: 115.93 },
      { city: 2, lat: 31.23, lon: 121.47 },
      { city: 3, lat: 39.9, lon: 116.4 },
    ],
    4,
  );
  /** Per subscriber and day: the cities found, as text. */
  const run = (buf: EventBuffer, runs?: Int32Array) => {
    const out: string[] = [];
    const res = processShard(
      { sub: buf.sub, t: buf.t, place: buf.place, ev: buf.ev, length: buf.length, runs },
      6,
      model,
      { firstDayStart: lo, dayCount: 3 },
      (s, days) => out.push(`${s}:${days.map((d) => d.cities.join(',')).join('|')}`),
    );
    return { out: out.sort(), ...res };
  };
  const record = fc.tuple(
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: 3 * 24 * 4 - 1 }).map((q) => lo + q * 15 * 60_000),
    fc.integer({ min: 0, max: 3 }),
  );

  it('marks runs that cover the buffer once, earliest first', () => {
    fc.assert(
      fc.property(fc.array(fc.array(record, { maxLength: 20 }), { maxLength: 8 }), (chunks) => {
        const buf = new EventBuffer(4);
        for (const chunk of chunks) {
          buf.beginRun();
          for (const [s, t, p] of chunk) buf.push(s, t, p, 0);
        }
        const runs = buf.runOrder();
        if (buf.length === 0) return;
        const covered = new Uint8Array(buf.length);
        let lastFirst = Number.NEGATIVE_INFINITY;
        for (let r = 0; r < runs!.length; r += 2) {
          expect(runs![r]!).toBeLessThan(runs![r + 1]!);
          for (let i = runs![r]!; i < runs![r + 1]!; i++) covered[i]!++;
          expect(buf.t[runs![r]!]!).toBeGreaterThanOrEqual(lastFirst);
          lastFirst = buf.t[runs![r]!]!;
        }
        expect([...covered].every((c) => c === 1)).toBe(true);
      }),
    );
  });

  it('changes nothing but the work: any reading order gives the same days', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(record, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (chunks, shuffle) => {
          const buf = new EventBuffer(4);
          for (const chunk of chunks) {
            buf.beginRun();
            for (const [s, t, p] of chunk) buf.push(s, t, p, 0);
          }
          const plain = run(buf);
          expect(run(buf, buf.runOrder())).toEqual(plain);
          // Any other order of the same runs, too.
          const runs = Array.from({ length: buf.runOrder()!.length / 2 }, (_, k) => k);
          for (let k = runs.length - 1; k > 0; k--) {
            const j = (shuffle[k % Math.max(1, shuffle.length)] ?? 0) % (k + 1);
            [runs[k], runs[j]] = [runs[j]!, runs[k]!];
          }
          const order = buf.runOrder()!;
          const shuffled = Int32Array.from(runs.flatMap((k) => [order[2 * k]!, order[2 * k + 1]!]));
          expect(run(buf, shuffled)).toEqual(plain);
        },
      ),
    );
  });
});
