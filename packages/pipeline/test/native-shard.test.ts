import {
  buildCellModel,
  type DayOutput,
  DEFAULT_PARAMS,
  type EngineParams,
  nativeShardAvailable,
  runShardNative,
} from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBuffer } from '../src/event-buffer.ts';
import { processShard } from '../src/shard-processor.ts';

// Five cities. 0 and 1 meet at a border where their cells stand 1-4 km apart (cross-coverage,
// ping-pong, stationary episodes touching both); 2 borders 1 too; 3 and 4 are far away.
const cells = [
  { city: 0, lat: 28.68, lon: 115.8 },
  { city: 0, lat: 28.68, lon: 115.9 },
  { city: 0, lat: 28.69, lon: 115.985 },
  { city: 1, lat: 28.68, lon: 116.0 },
  { city: 1, lat: 28.7, lon: 116.02 },
  { city: 1, lat: 28.68, lon: 116.2 },
  { city: 2, lat: 28.68, lon: 116.23 },
  { city: 2, lat: 28.6, lon: 116.5 },
  { city: 3, lat: 31.23, lon: 121.47 },
  { city: 4, lat: 39.9, lon: 116.4 },
];
const model = buildCellModel(cells, 5);
const DAY0 = Date.UTC(2022, 8, 1) - 8 * 3_600_000;
const M = 60_000;

/** Per subscriber: each day's hadRecord, cities and countries, as text (order within a day does not matter). */
function answers(run: (sink: (s: number, days: readonly DayOutput[]) => void) => void): string[] {
  const out: string[] = [];
  run((s, days) =>
    out.push(
      `${s}:${days.map((d) => `${d.hadRecord ? 1 : 0}/${[...d.cities].sort()}/${[...d.countries].sort()}`).join('|')}`,
    ),
  );
  return out.sort();
}

/**
 * A subscriber's records: sessions at a cell or switching between two (ping-pong in any
 * pattern), moves, roaming, gaps; times on a 15-minute grid in minutes from a day before the
 * first day, so the 4-hour rule and the edges of days meet records exactly. Spans near 4 h and
 * stationary presence over several days (where an episode's lead may be small) are common.
 */
/** Cells a phone may alternate between: border pairs 1-2 km apart (one stationary episode), pairs in one city, any pair. */
const pairs = fc.oneof(
  fc.constantFrom([2, 3], [3, 4], [1, 2], [2, 4], [5, 6], [0, 1], [7, 7]),
  fc.tuple(fc.integer({ min: -3, max: cells.length - 1 }), fc.integer({ min: 0, max: cells.length - 1 })),
);
const session = fc
  .tuple(
    fc.integer({ min: -4 * 24, max: 4 * 24 * 4 }).map((q) => q * 15),
    fc.oneof(
      fc.integer({ min: 1, max: 64 }).map((q) => q * 15),
      fc.integer({ min: 13, max: 19 }).map((q) => q * 15),
      fc.integer({ min: 24, max: 5 * 24 }).map((h) => h * 60),
    ),
    fc.boolean(),
    fc.constantFrom(15, 30, 60, 120),
    pairs,
    fc.integer({ min: 0, max: 2 ** 30 }),
    fc.integer({ min: 0, max: 5 }),
  )
  .map(([at, span, evening, step, [a, b], pattern, ev]) => {
    // An evening session ends within an hour of midnight, where a stay's edge decides the 4-hour rule.
    const start = evening ? Math.floor(at / 1440) * 1440 + 1440 - span + ((at % 9) - 4) * 15 : at;
    const recs: Array<[number, number, number]> = [];
    for (let m = start, k = 0; m <= start + span; m += step, k++) {
      recs.push([m, (pattern >>> (k % 30)) & 1 ? b : a, (ev + (k % 4 === 3 ? 1 : 0)) % 3]);
    }
    return recs;
  });
// One session alone is often a subscriber seen in one city, answered without decoding.
const subscriberRecords = fc.oneof(
  session,
  fc.array(session, { maxLength: 6 }).map((s) => s.flat()),
);

const params = fc.constantFrom<EngineParams>(
  DEFAULT_PARAMS,
  { ...DEFAULT_PARAMS, carryMaxEvents: 2, stationaryKm: 2 },
  { ...DEFAULT_PARAMS, switchLog: -1, decisiveK: 2, minStayMs: 2 * 3_600_000 },
  { ...DEFAULT_PARAMS, switchLog: 0.5 }, // a bonus for switching: no subscriber is answered without decoding
);

describe('the native stay engine', () => {
  it('is built by npm install', () => {
    expect(nativeShardAvailable(16)).toBe(true);
  });

  it('answers every subscriber of a shard as the TypeScript engine does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(subscriberRecords, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 700 }), // subscribers in the registry: 256 and more use several buckets
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        params,
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (subs, spread, dayCount, threads, p, cuts, shuffled) => {
          const subscriberCount = Math.max(spread, subs.length);
          // Records as a scan hands them over: in chunks, each in time order, chunks in any order,
          // with the events of a record at one time and place sometimes repeated (exact duplicates).
          const all: Array<[number, number, number, number]> = [];
          subs.forEach((recs, k) => {
            const s = (k * 7919) % subscriberCount;
            for (const [m, p, e] of recs) {
              // p < 0: roaming in country -p - 1.
              all.push([s, DAY0 + m * M, p, e]);
              if (m % 7 === 0) all.push([s, DAY0 + m * M, p, e]);
            }
          });
          const buf = new EventBuffer(4);
          if (shuffled) {
            // No reading order at all, and each subscriber's records backwards: far out of order.
            for (const [x, t, pl, e] of all.toReversed()) buf.push(x, t, pl, e);
          }

          let at = shuffled ? all.length : 0;
          for (const cut of cuts) {
            const end = Math.min(all.length, at + (cut % 97) + 1);
            buf.beginRun();
            for (const [s, t, p, e] of all.slice(at, end).sort((a, b) => a[1] - b[1])) buf.push(s, t, p, e);
            at = end;
          }
          if (at < all.length) buf.beginRun();
          for (const [s, t, p, e] of all.slice(at)) buf.push(s, t, p, e);
          const input = () => ({
            sub: buf.sub.slice(0, buf.length),
            t: buf.t.slice(0, buf.length),
            place: buf.place.slice(0, buf.length),
            ev: buf.ev.slice(0, buf.length),
            length: buf.length,
            runs: shuffled ? undefined : buf.runOrder(),
          });
          let ts: { duplicates: number; subscribersWithRecords: number } | undefined;
          const expected = answers((sink) => {
            ts = processShard(
              input(),
              subscriberCount,
              model,
              { firstDayStart: DAY0, dayCount, carryOut: false },
              sink,
              p,
            );
          });
          const got: string[] = [];
          const native = await runShardNative(
            input(),
            subscriberCount,
            model,
            DAY0,
            dayCount,
            (s, days) => got.push(...answers((sink) => sink(s, days))),
            p,
            threads,
          );
          got.sort();
          expect(got).toEqual(expected);
          expect(native).toEqual(ts);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the records in their given order when no reading order is given', async () => {
    const buf = new EventBuffer(4);
    for (let m = 0; m < 10 * 60; m += 30) buf.push(0, DAY0 + m * M, m % 60 ? 0 : 1, 0);
    buf.push(1, DAY0, -5, 0); // roaming in country 4
    const got: string[] = [];
    await runShardNative(buf, 2, model, DAY0, 1, (s, days) => got.push(...answers((sink) => sink(s, days))));
    expect(got.sort()).toEqual(['0:1/0/', '1:1//4']);
  });

  it('refuses records it cannot read, with a stable code', async () => {
    const buf = new EventBuffer(4);
    buf.push(3, DAY0, 0, 0);
    await expect(runShardNative(buf, 2, model, DAY0, 1, () => {})).rejects.toMatchObject({
      code: 'NATIVE_SHARD_ARGS',
      message: 'sub out of range',
    });
    const far = new EventBuffer(4);
    far.push(0, DAY0, cells.length, 0);
    await expect(runShardNative(far, 1, model, DAY0, 1, () => {})).rejects.toThrow(/place out of range/);
    await expect(runShardNative(far, 1, model, DAY0, 32, () => {})).rejects.toThrow(RangeError);
    const one = { sub: Int32Array.of(0), t: Float64Array.of(DAY0), place: Int32Array.of(0), ev: Int32Array.of(0) };
    const past = { ...one, length: 1, runs: Int32Array.of(0, 2) }; // a reading order past the one record
    await expect(runShardNative(past, 1, model, DAY0, 1, () => {})).rejects.toThrow(/runs out of range/);
    const short = { ...one, length: 2 }; // columns of one record
    await expect(runShardNative(short, 1, model, DAY0, 1, () => {})).rejects.toMatchObject({
      code: 'NATIVE_SHARD_ARGS',
      message: 'sub: Int32Array of length',
    });
  });
});
