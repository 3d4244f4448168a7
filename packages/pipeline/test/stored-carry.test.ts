import { ABROAD, type Carry, UNDECIDED } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountryTable } from '../src/compute/event-buffer.ts';
import { CarryCodec, type StoredCarry } from '../src/daily/stored-carry.ts';

const cityCodes = ['110000', '310000', '360100'];
const cellIds = ['c0', 'c1', 'c2', 'c3', 'c4'];
const registries = {
  cityCodes,
  cityIndex: new Map(cityCodes.map((code, i) => [code, i])),
  cellIds,
  cellIndex: new Map(cellIds.map((id, i) => [id, i])),
};

function countries(): CountryTable {
  const table = new CountryTable();
  for (const cc of ['JP', 'HK', 'US']) table.idx(cc);
  return table;
}

const carry = fc
  .record({
    n: fc.integer({ min: 0, max: 8 }),
    state: fc.constantFrom(0, 1, 2, ABROAD, UNDECIDED),
    runStart: fc.integer({ min: 1_600_000_000_000, max: 1_700_000_000_000 }),
    places: fc.array(fc.integer({ min: -3, max: 4 }), { minLength: 8, maxLength: 8 }),
    episode: fc.integer({ min: -1, max: 7 }),
    anchor: fc.integer({ min: -1, max: 4 }),
    cityCounts: fc.dictionary(fc.constantFrom('0', '1', '2'), fc.integer({ min: 1, max: 500 })),
    memCounts: fc.dictionary(fc.constantFrom('0', '1', '2'), fc.integer({ min: 1, max: 5_000_000 })),
    seen: fc.oneof(fc.dictionary(fc.constantFrom('0', '1', '2'), fc.integer({ min: 1, max: 99 })), fc.constant(null)),
    learnt: fc.dictionary(
      fc.constantFrom('0', '1', '2', '3', '4'),
      fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 9 })),
    ),
  })
  .map(
    ({ n, state, runStart, places, episode, anchor, cityCounts, memCounts, learnt, seen }): Carry => ({
      t: Float64Array.from({ length: n }, (_, i) => runStart + i * 60_000),
      place: Int32Array.from(places.slice(0, n)),
      state,
      runStart,
      // An open episode always has its anchor cell.
      epStart: anchor >= 0 && episode < n ? episode : -1,
      epAnchor: anchor,
      epCities: Int32Array.from(Object.keys(cityCounts), Number),
      epCounts: Float64Array.from(Object.values(cityCounts)),
      memCities: Int32Array.from(Object.keys(memCounts), Number),
      memCounts: Float64Array.from(Object.values(memCounts)),
      learnCells: Int32Array.from(Object.keys(learnt), Number),
      learnCities: Int32Array.from(Object.values(learnt), (x) => x[0]),
      learnCounts: Int32Array.from(Object.values(learnt), (x) => x[1]),
      seenCities: seen === null ? Int32Array.of(-1) : Int32Array.from(Object.keys(seen), Number),
      seenCounts: seen === null ? new Int32Array(0) : Int32Array.from(Object.values(seen)),
    }),
  );

const NOTHING_LEARNT = {
  memCities: new Int32Array(0),
  memCounts: new Float64Array(0),
  learnCells: new Int32Array(0),
  learnCities: new Int32Array(0),
  learnCounts: new Int32Array(0),
  seenCities: new Int32Array(0),
  seenCounts: new Int32Array(0),
};

function stored(line: string): StoredCarry {
  return JSON.parse(line) as StoredCarry;
}

describe('a stored carry', () => {
  it('decodes to the carry it was written from', () => {
    fc.assert(
      fc.property(carry, (c) => {
        const table = countries();
        const codec = new CarryCodec(registries, table);
        const line = codec.line('pseudo', c);
        expect(JSON.parse(line).p).toBe('pseudo');
        expect(new CarryCodec(registries, table).decode(stored(line))).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });

  it('names places by cell id, city code and country, never by index', () => {
    const codec = new CarryCodec(registries, countries());
    const c: Carry = {
      t: Float64Array.of(1000, 2000, 3000),
      place: Int32Array.of(3, -2, 0),
      state: 2,
      runStart: 500,
      epStart: 2,
      epAnchor: 0,
      epCities: Int32Array.of(1, 0),
      epCounts: Float64Array.of(4, 7),
      ...NOTHING_LEARNT,
      memCities: Int32Array.of(0, 1),
      memCounts: Float64Array.of(9, 2),
      learnCells: Int32Array.of(4),
      learnCities: Int32Array.of(0),
      learnCounts: Int32Array.of(3),
      seenCities: Int32Array.of(2, 0),
      seenCounts: Int32Array.of(30, 5),
    };
    expect(stored(codec.line('p1', c))).toEqual({
      p: 'p1',
      s: '360100',
      rs: 500,
      es: 2,
      ea: 'c0',
      ec: { '110000': 7, '310000': 4 },
      t: [1000, 2000, 3000],
      pl: ['c3', '@HK', 'c0'],
      mc: { '110000': 9, '310000': 2 },
      lc: { c4: ['110000', 3] },
      si: { '360100': 30, '110000': 5 },
    });
  });

  it('survives a registry change: a gone cell drops its record and the open episode, a gone city drops the carry', () => {
    const before = new CarryCodec(registries, countries());
    const c: Carry = {
      t: Float64Array.of(1000, 2000, 3000),
      place: Int32Array.of(3, 1, -1),
      state: 1,
      runStart: 500,
      epStart: 1,
      epAnchor: 1,
      epCities: Int32Array.of(2, 1),
      epCounts: Float64Array.of(3, 5),
      ...NOTHING_LEARNT,
    };
    const line = stored(before.line('p', c));
    // c1 removed (cells renumbered), Nanchang (360100) gone, a country table that starts empty.
    const ids = ['c0', 'c2', 'c3', 'c4'];
    const after = new CarryCodec(
      {
        cityCodes: ['310000', '110000'],
        cityIndex: new Map([
          ['310000', 0],
          ['110000', 1],
        ]),
        cellIds: ids,
        cellIndex: new Map(ids.map((id, i) => [id, i])),
      },
      new CountryTable(),
    );
    expect(after.decode(line)).toEqual({
      t: Float64Array.of(1000, 3000),
      place: Int32Array.of(2, -1),
      state: 0,
      runStart: 500,
      epStart: -1,
      epAnchor: -1,
      epCities: Int32Array.of(0),
      epCounts: Float64Array.of(5),
      ...NOTHING_LEARNT,
    });
    expect(after.decode({ ...line, s: '360100' })).toBeNull();
  });
});
