import type { DuckDBConnection } from '@duckdb/node-api';
import {
  buildCellModel,
  type Carry,
  type DayOutput,
  DEFAULT_PARAMS,
  type EngineParams,
  nativeShardAvailable,
  releaseChunksNative,
  runShardNative,
  scanChunksNative,
} from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EventBuffer } from '../src/compute/event-buffer.ts';
import { processShard } from '../src/compute/shard-processor.ts';
import { duckDbForTests } from './duckdb-fixture.ts';

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

  it('carries stays, contested time, learnt cells and cities seen from run to run as the TypeScript engine does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(subscriberRecords, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 600 }),
        // Consecutive runs of one to three days each (the daily run: one), each starting from the last one's carries.
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        params,
        async (subs, spread, runs, threads, p) => {
          const subscriberCount = Math.max(spread, subs.length);
          const all: Array<[number, number, number, number]> = [];
          subs.forEach((recs, k) => {
            const s = (k * 7919) % subscriberCount;
            for (const [m, pl, e] of recs) {
              all.push([s, DAY0 + m * M, pl, e]);
              if (m % 11 === 0) all.push([s, DAY0 + m * M, pl, e]);
            }
          });
          let tsCarries = new Map<number, Carry>();
          let nativeCarries = new Map<number, Carry>();
          let first = DAY0;
          for (const dayCount of runs) {
            // A run reads its days' records only (the scan keeps those), in time order.
            const last = first + dayCount * 86_400_000;
            const buf = new EventBuffer(4);
            for (const [s, t, pl, e] of all.filter(([, t]) => t >= first && t < last).sort((a, b) => a[1] - b[1]))
              buf.push(s, t, pl, e);
            const input = () => ({
              sub: buf.sub.slice(0, buf.length),
              t: buf.t.slice(0, buf.length),
              place: buf.place.slice(0, buf.length),
              ev: buf.ev.slice(0, buf.length),
              length: buf.length,
            });
            const tsOut = new Map<number, Carry>();
            const nativeOut = new Map<number, Carry>();
            let ts: { duplicates: number; subscribersWithRecords: number } | undefined;
            const expected = answers((sink) => {
              ts = processShard(
                input(),
                subscriberCount,
                model,
                { firstDayStart: first, dayCount },
                (s, days, carry) => {
                  sink(s, days);
                  if (carry) tsOut.set(s, copyCarry(carry)); // (the engine's own buffers: copied)
                },
                p,
                (s) => tsCarries.get(s) ?? null,
              );
            });
            const got: string[] = [];
            const native = await runShardNative(
              input(),
              subscriberCount,
              model,
              first,
              dayCount,
              (s, days, carry) => {
                got.push(...answers((sink) => sink(s, days)));
                if (carry) nativeOut.set(s, carry);
              },
              p,
              threads,
              { in: (s) => nativeCarries.get(s) ?? null, out: true },
            );
            expect(got.sort()).toEqual(expected);
            expect(native).toEqual(ts);
            expect(carriesText(nativeOut)).toEqual(carriesText(tsOut));
            tsCarries = tsOut;
            nativeCarries = nativeOut;
            first = last;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses carries it cannot take, with a stable code', async () => {
    const buf = new EventBuffer(4);
    buf.push(0, DAY0, 0, 0);
    const carry = (over: Partial<Carry>): Carry => ({
      ...copyCarry({
        t: Float64Array.of(DAY0 - M),
        place: Int32Array.of(1),
        state: 0,
        runStart: DAY0 - 60 * M,
        epStart: 0,
        epAnchor: 1,
        epCities: Int32Array.of(0),
        epCounts: Float64Array.of(5),
        memCities: new Int32Array(0),
        memCounts: new Float64Array(0),
        learnCells: new Int32Array(0),
        learnCities: new Int32Array(0),
        learnCounts: new Int32Array(0),
        seenCities: Int32Array.of(-1),
        seenCounts: new Int32Array(0),
      }),
      ...over,
    });
    const run = (c: Carry) =>
      runShardNative(buf, 2, model, DAY0, 1, () => {}, DEFAULT_PARAMS, 1, {
        in: (s) => (s === 1 ? c : null),
        out: true,
      });
    const got: string[] = [];
    await runShardNative(
      buf,
      2,
      model,
      DAY0,
      1,
      (s, days, c) => got.push(`${s}:${days[0]!.hadRecord}:${c?.state}`),
      DEFAULT_PARAMS,
      1,
      {
        in: (s) => (s === 1 ? carry({}) : null),
        out: true,
      },
    );
    expect(got.sort()).toEqual(['0:true:0', '1:false:0']); // a subscriber with a carry and no record is run too
    // Every city seen, contested time and a learnt cell go through as the TypeScript engine takes them.
    const full = carry({
      memCities: Int32Array.of(0, 1),
      memCounts: Float64Array.of(3_600_000.5, 7),
      learnCells: Int32Array.of(3),
      learnCities: Int32Array.of(0),
      learnCounts: Int32Array.of(2),
    });
    const outs: Record<string, Map<number, Carry>> = { ts: new Map(), native: new Map() };
    processShard(
      buf,
      2,
      model,
      { firstDayStart: DAY0, dayCount: 1 },
      (s, _d, c) => c && outs.ts!.set(s, copyCarry(c)),
      DEFAULT_PARAMS,
      (s) => (s === 1 ? full : null),
    );
    await runShardNative(buf, 2, model, DAY0, 1, (s, _d, c) => c && outs.native!.set(s, c), DEFAULT_PARAMS, 1, {
      in: (s) => (s === 1 ? full : null),
      out: true,
    });
    expect(carriesText(outs.native!)).toEqual(carriesText(outs.ts!));
    expect([...outs.native!.get(1)!.seenCities]).toEqual([-1]);
    await expect(run(carry({ place: Int32Array.of(cells.length) }))).rejects.toMatchObject({
      code: 'NATIVE_SHARD_ARGS',
      message: 'carries: cell out of range',
    });
    await expect(run(carry({ epAnchor: cells.length }))).rejects.toThrow(/carries: cell out of range/);
    const nine = Int32Array.from({ length: 9 }, (_, i) => i);
    await expect(run(carry({ memCities: nine, memCounts: Float64Array.from(nine) }))).rejects.toThrow(
      /carries: a length out of range/,
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

/** A carry in arrays of its own (the TypeScript engine's lives in its buffers until the next subscriber). */
function copyCarry(c: Carry): Carry {
  return {
    ...c,
    t: c.t.slice(),
    place: c.place.slice(),
    epCities: c.epCities.slice(),
    epCounts: c.epCounts.slice(),
    memCities: c.memCities.slice(),
    memCounts: c.memCounts.slice(),
    learnCells: c.learnCells.slice(),
    learnCities: c.learnCities.slice(),
    learnCounts: c.learnCounts.slice(),
    seenCities: c.seenCities.slice(),
    seenCounts: c.seenCounts.slice(),
  };
}

/** Every field of every carry, by subscriber, as text: equal texts are the same carries to the last bit of each double. */
function carriesText(carries: Map<number, Carry>): string[] {
  return [...carries]
    .map(([s, c]) => {
      const fields = Object.entries(c)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${typeof v === 'number' ? v : Array.from(v as ArrayLike<number>).join(',')}`);
      return `${s}:${fields.join(';')}`;
    })
    .sort();
}

/** The scan's result columns (signaling-scan.ts scanSql) over rows given here, streamed. */
async function streamRows(
  conn: DuckDBConnection,
  rows: Array<[number, number, number, number, string | null]>,
  order = 'rowid',
): Promise<unknown> {
  await conn.run('CREATE OR REPLACE TABLE r (sub INTEGER, t DOUBLE, code INTEGER, ev INTEGER, extra VARCHAR)');
  const app = await conn.createAppender('r');
  for (const [sub, t, code, ev, extra] of rows) {
    app.appendInteger(sub);
    app.appendDouble(t);
    app.appendInteger(code);
    app.appendInteger(ev);
    if (extra === null) app.appendNull();
    else app.appendVarchar(extra);
    app.endRow();
  }
  app.closeSync();
  const result = await conn.stream(`SELECT sub, t, code, ev, extra FROM r ORDER BY ${order}`);
  return (result as unknown as { result: unknown }).result;
}

describe("the native engine reading DuckDB's chunks in place", () => {
  const db = duckDbForTests(1);

  it('answers as from columns, counts the rejected records and keeps the texts that can be samples', async () => {
    const ROAMING = -10;
    const texts = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 12 }), // DuckDB keeps these inline
      fc.string({ minLength: 13, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), // astral characters sort as surrogates in JavaScript
      fc.constantFrom('twelve bytes', '十二字节', '\uE000 private use', '\u{1F600} grin'), // 12 bytes, the most inline; U+E000 after a surrogate
      fc.string({ minLength: 495, maxLength: 520 }), // cut at 500 UTF-16 units
      fc.constantFrom(`${'x'.repeat(499)}\u{1F600}`, `${'x'.repeat(499)}\u{1F601}tail`), // cut inside a surrogate pair
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(subscriberRecords, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.constantFrom(-1, -2, -3, -4, -5, -6, -99), texts), { maxLength: 300 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer(),
        async (subs, spread, dayCount, threads, rejects, samplesPerReason, seed) => {
          const subscriberCount = Math.max(spread, subs.length);
          const valid: Array<[number, number, number, number]> = [];
          const rows: Array<[number, number, number, number, string | null]> = [];
          subs.forEach((recs, k) => {
            const s = (k * 7919) % subscriberCount;
            for (const [m, p, e] of recs) {
              valid.push([s, DAY0 + m * M, p, e]);
              // A roaming record comes as a reason with its PLMN; here, the country's number.
              rows.push(p < 0 ? [s, DAY0 + m * M, ROAMING, e, `c${-p - 1}`] : [s, DAY0 + m * M, p, e, null]);
            }
          });
          rejects.forEach(([code, text], i) => {
            rows.push([i % subscriberCount, DAY0 + i * M, code, 0, code === -99 ? null : text]);
          });
          // In any order, in chunks of 2,048 rows.
          const raw = await streamRows(db.conn, rows, `hash(rowid + ${seed})`);
          const found = await scanChunksNative(raw, subscriberCount, cells.length, samplesPerReason)!;
          expect(found.rows).toBe(rows.length);
          expect(found.outside).toBe(rejects.filter(([c]) => c === -99).length);
          // Per reason: the count, and the first texts in string order (cut to 500 units, as the quarantine cuts them).
          for (let r = 1; r <= 6; r++) {
            const mine = rejects.filter(([c]) => c === -r).map(([, x]) => (x ?? '').slice(0, 500));
            expect(found.rejected[r]).toBe(mine.length);
            expect(found.samples[r]).toEqual(mine.sort().slice(0, samplesPerReason));
          }
          const roaming = rows.filter(([, , c]) => c === ROAMING).map(([x, t, , e, p]) => `${x}/${t}/${e}/${p}`);
          const back = [...found.roamSub].map(
            (x, i) => `${x}/${found.roamT[i]}/${found.roamEv[i]}/${found.plmns[found.roamPlmn[i]!]}`,
          );
          expect(back.sort()).toEqual(roaming.sort());
          expect(new Set(found.plmns).size).toBe(found.plmns.length); // each network once
          // The roaming records kept as their country, as the pipeline does.
          const roam = new EventBuffer(4);
          found.roamSub.forEach((x, i) => {
            const country = Number(found.plmns[found.roamPlmn[i]!]!.slice(1));
            roam.push(x, found.roamT[i]!, -country - 1, found.roamEv[i]!);
          });
          const got: string[] = [];
          let released = 0;
          const native = await runShardNative(
            {
              sub: roam.sub,
              t: roam.t,
              place: roam.place,
              ev: roam.ev,
              length: roam.length,
              chunks: found.chunks,
              released: () => released++,
            },
            subscriberCount,
            model,
            DAY0,
            dayCount,
            (s, days) => got.push(...answers((sink) => sink(s, days))),
            DEFAULT_PARAMS,
            threads,
          );
          const cols = {
            sub: Int32Array.from(valid, (r) => r[0]),
            t: Float64Array.from(valid, (r) => r[1]),
            place: Int32Array.from(valid, (r) => r[2]),
            ev: Int32Array.from(valid, (r) => r[3]),
            length: valid.length,
          };
          let ts: { duplicates: number; subscribersWithRecords: number } | undefined;
          const expected = answers((sink) => {
            ts = processShard(cols, subscriberCount, model, { firstDayStart: DAY0, dayCount, carryOut: false }, sink);
          });
          expect(got.sort()).toEqual(expected);
          expect(native).toEqual(ts);
          await vi.waitFor(() => expect(released).toBe(1)); // (it may come after the answers)
          // The run let the chunks go: they cannot be read again.
          expect(() => releaseChunksNative(found.chunks)).not.toThrow();
          await expect(
            runShardNative({ ...cols, chunks: found.chunks }, subscriberCount, model, DAY0, 1, () => {}),
          ).rejects.toThrow(/already taken/);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("refuses what is not the scan's result, and records out of range, with stable codes", async () => {
    // Not a Result of the bindings (or of another version of them): the caller reads it itself.
    expect(scanChunksNative({}, 1, 1, 20)).toBeUndefined();
    expect(() => scanChunksNative({}, -1, 1, 20)).toThrow(expect.objectContaining({ code: 'NATIVE_SHARD_ARGS' }));
    const wrong = await db.conn.stream('SELECT 1 AS a');
    expect(() => scanChunksNative((wrong as unknown as { result: unknown }).result, 1, 1, 20)).toThrow(
      /not the scan's five columns/,
    );
    const typed = await db.conn.stream("SELECT 1 AS sub, 2 AS t, 3 AS code, 4 AS ev, 'x' AS extra");
    expect(() => scanChunksNative((typed as unknown as { result: unknown }).result, 1, 1, 20)).toThrow(
      /not the scan's column types/,
    );
    // A valid record's subscriber or cell beyond the registries: checked, not trusted.
    for (const [row, why] of [
      [[5, DAY0, 0, 0, null], /out of range/],
      [[0, DAY0, cells.length, 0, null], /out of range/],
      [[0, DAY0, -7, 0, 'x'], /reason is unknown/], // not a reason of the scan
    ] as Array<[[number, number, number, number, string | null], RegExp]>) {
      const raw = await streamRows(db.conn, [row]);
      await expect(scanChunksNative(raw, 2, cells.length, 20)!).rejects.toMatchObject({
        code: 'NATIVE_SHARD_FAILED',
        message: expect.stringMatching(why),
      });
    }
    // Chunks let go before a run cannot be run; chunks checked against smaller registries can.
    const raw = await streamRows(db.conn, [[0, DAY0, 1, 0, null]]);
    const found = await scanChunksNative(raw, 1, cells.length, 20)!;
    const none = { sub: new Int32Array(0), t: new Float64Array(0), place: new Int32Array(0), ev: new Int32Array(0) };
    await expect(
      runShardNative({ ...none, length: 0, chunks: found.chunks }, 0, model, DAY0, 1, () => {}),
    ).rejects.toThrow(/checked against other registries/);
    releaseChunksNative(found.chunks);
    releaseChunksNative(found.chunks);
    await expect(
      runShardNative({ ...none, length: 0, chunks: found.chunks }, 1, model, DAY0, 1, () => {}),
    ).rejects.toThrow(/already taken/);
    await expect(
      runShardNative({ ...none, length: 0, chunks: {} as never }, 1, model, DAY0, 1, () => {}),
    ).rejects.toThrow(/made by scanChunks/);
  });
});
