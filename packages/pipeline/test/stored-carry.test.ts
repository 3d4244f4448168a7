import { ABROAD, type Carry, UNDECIDED } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountryTable } from '../src/compute/event-buffer.ts';
import { FileCarries, pseudonymOrder, readCarryFile, writeCarryFile } from '../src/daily/carry-file.ts';
import { CarryCodec, CarryColumnsCodec, type StoredCarry } from '../src/daily/stored-carry.ts';

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

/** A carry as the native engine takes it (native-shard.ts CarryColumns), written field by field. */
function columnsOf(list: Array<[number, Carry]>): { ints: number[]; floats: number[] } {
  const ints: number[] = [];
  const floats: number[] = [];
  for (const [sub, c] of list) {
    const all = c.seenCities.length === 1 && c.seenCities[0] === -1;
    ints.push(sub, c.state, c.epStart, c.epAnchor, c.t.length, c.epCities.length, c.memCities.length);
    ints.push(c.learnCells.length, all ? -1 : c.seenCities.length);
    for (const v of [c.place, c.epCities, c.memCities, c.learnCells, c.learnCities, c.learnCounts]) ints.push(...v);
    if (!all) ints.push(...c.seenCities, ...c.seenCounts);
    floats.push(c.runStart, ...c.t, ...c.epCounts, ...c.memCounts);
  }
  return { ints, floats };
}

/**
 * The lists of a carry in another order (as the engine may keep them), a city twice in the
 * episode's (the second count is the one a JSON object keeps), and a count -0.
 */
function shuffled(c: Carry): Carry {
  const rev = <T extends Int32Array | Float64Array>(a: T) => a.slice().reverse() as T;
  const all = c.seenCities.length === 1 && c.seenCities[0] === -1;
  const twice = c.epCities.length > 1;
  return {
    ...c,
    epCities: twice ? Int32Array.from([...rev(c.epCities), c.epCities[c.epCities.length - 1]!]) : rev(c.epCities),
    epCounts: c.epCounts.length
      ? Float64Array.from([...rev(c.epCounts), ...(twice ? [42] : [])], (x, i) => (i ? x : -0))
      : c.epCounts,
    memCities: rev(c.memCities),
    memCounts: rev(c.memCounts),
    learnCells: rev(c.learnCells),
    learnCities: rev(c.learnCities),
    learnCounts: rev(c.learnCounts),
    seenCities: all ? c.seenCities : rev(c.seenCities),
    seenCounts: all ? c.seenCounts : rev(c.seenCounts),
  };
}

describe('carries as the native engine takes them (CarryColumnsCodec)', () => {
  it('decode as the stored line decodes, from the line or from the object kept in memory', () => {
    fc.assert(
      fc.property(fc.array(carry.map(shuffled), { maxLength: 6 }), (cs) => {
        const table = countries();
        const codec = new CarryColumnsCodec(registries, table);
        const list = cs.map((c, i): [number, Carry] => [i * 3, c]);
        const lines = list.map(([, c]) => codec.line('p', c));
        // The line's way: decode to a Carry, then the engine's columns.
        const expected = columnsOf(
          list.flatMap(([sub], i): Array<[number, Carry]> => {
            const d = new CarryCodec(registries, table).decode(stored(lines[i]!));
            return d ? [[sub, d]] : [];
          }),
        );
        for (const [i, [sub]] of list.entries()) codec.decodeInto(sub, stored(lines[i]!));
        const fromLines = codec.take();
        for (const [sub, c] of list) codec.decodeInto(sub, codec.stored('p', c));
        const fromObjects = codec.take();
        expect([...fromLines.ints]).toEqual(expected.ints);
        expect([...fromLines.floats]).toEqual(expected.floats);
        expect([...fromObjects.ints]).toEqual(expected.ints);
        expect([...fromObjects.floats]).toEqual(expected.floats);
      }),
      { numRuns: 300 },
    );
  });

  it('decode a carry whose cells or city are gone as decode does', () => {
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
      learnCells: Int32Array.of(1, 4),
      learnCities: Int32Array.of(0, 2),
      learnCounts: Int32Array.of(2, 3),
      seenCities: Int32Array.of(2, 0),
      seenCounts: Int32Array.of(7, 8),
    };
    const line = stored(new CarryCodec(registries, countries()).line('p', c));
    const ids = ['c0', 'c2', 'c3', 'c4'];
    const after = {
      cityCodes: ['310000', '110000'],
      cityIndex: new Map([
        ['310000', 0],
        ['110000', 1],
      ]),
      cellIds: ids,
      cellIndex: new Map(ids.map((id, i) => [id, i])),
    };
    const table = new CountryTable();
    const expected = columnsOf([[5, new CarryCodec(after, table).decode(line)!]]);
    const codec = new CarryColumnsCodec(after, new CountryTable());
    codec.decodeInto(5, line);
    codec.decodeInto(6, { ...line, s: '360100' }); // its city gone: no carry
    const got = codec.take();
    expect([...got.ints]).toEqual(expected.ints);
    expect([...got.floats]).toEqual(expected.floats);
  });
});

describe('carry.bin (carry-file.ts)', () => {
  /** Registries whose names sort otherwise: integer-like cell ids among others, a city code out of order. */
  const mixed = (() => {
    const ids = ['7', '12', 'c2', '3', 'c4'];
    const codes = ['110000', '99', '360100'];
    return {
      cityCodes: codes,
      cityIndex: new Map(codes.map((code, i) => [code, i])),
      cellIds: ids,
      cellIndex: new Map(ids.map((id, i) => [id, i])),
    };
  })();
  /** The same registries less cell 1 and city 2, renumbered. */
  const without = (r: typeof registries) => {
    const ids = r.cellIds.filter((_, i) => i !== 1);
    const codes = r.cityCodes.filter((_, i) => i !== 2);
    return {
      cityCodes: codes,
      cityIndex: new Map(codes.map((code, i) => [code, i])),
      cellIds: ids,
      cellIndex: new Map(ids.map((id, i) => [id, i])),
    };
  };

  it('gives the next run the carries carry.jsonl gave it, lists in any order, registries changed or not', () => {
    fc.assert(
      fc.property(fc.array(carry.map(shuffled), { maxLength: 6 }), fc.boolean(), fc.boolean(), (cs, other, changed) => {
        const regs = other ? mixed : registries;
        const after = changed ? without(regs) : regs;
        const list = cs.map((c, i): [number, Carry] => [i * 3, c]);
        const subscribers = cs.length * 3;
        const pseudo = (sub: number) => `p${String(sub).padStart(3, '0')}`;
        const table = countries();
        const cols = columnsOf(list);
        const { bytes, file } = writeCarryFile(
          { ints: Int32Array.from(cols.ints), floats: Float64Array.from(cols.floats) },
          pseudo,
          regs,
          table,
        );
        // (What was written knows its registries and subscribers too: origin.)
        expect(readCarryFile(bytes)).toEqual({ ...file, origin: undefined });
        expect(file.origin?.registries).toBe(regs);
        expect(file.p).toEqual(list.filter(([, c]) => c.t.length > 0).map(([sub]) => pseudo(sub)));
        // What a run read from carry.jsonl: each line decoded with the run's registries, subscriber by subscriber.
        const lines = new Map(list.map(([sub, c]) => [sub, new CarryCodec(regs, table).line(pseudo(sub), c)]));
        const refTable = new CountryTable();
        const decoded: Array<[number, Carry]> = [];
        for (let sub = 0; sub < subscribers; sub++) {
          const line = lines.get(sub);
          const c = line && list.find(([s]) => s === sub)![1].t.length ? stored(line) : undefined;
          const d = c && new CarryCodec(after, refTable).decode(c);
          if (d) decoded.push([sub, d]);
        }
        const expected = columnsOf(decoded);
        // From the file as written (a session's next day: by subscriber where the registries are
        // the same), and as read back (by name).
        for (const from of [file, readCarryFile(bytes)]) {
          const runTable = new CountryTable();
          const got = new FileCarries(from, after, runTable).columns(subscribers, pseudo);
          expect([...got.ints]).toEqual(expected.ints);
          expect([...got.floats]).toEqual(expected.floats);
          expect(runTable.codes).toEqual(refTable.codes);
        }
        // The TypeScript engine's carries, one by one.
        const one = new FileCarries(file, after, new CountryTable());
        for (let sub = 0; sub < subscribers; sub++)
          expect(one.carry(sub, pseudo(sub))).toEqual(decoded.find(([s]) => s === sub)?.[1] ?? null);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the carries in pseudonym order, given or sorted, to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(carry, { maxLength: 8 }), fc.integer({ min: 1, max: 1008 }), (cs, step) => {
        // Pseudonyms in another order than the subscribers', as a key's are.
        const pseudo = (sub: number) => `q${String((sub * step) % 1009).padStart(4, '0')}`;
        const list = cs.map((c, i): [number, Carry] => [i * 2, c]);
        const subscribers = cs.length * 2 + 1;
        const cols = columnsOf(list);
        const write = (order?: Int32Array) =>
          writeCarryFile(
            { ints: Int32Array.from(cols.ints), floats: Float64Array.from(cols.floats) },
            pseudo,
            registries,
            countries(),
            order,
          );
        const order = pseudonymOrder(subscribers, pseudo);
        expect([...order].map(pseudo)).toEqual(Array.from({ length: subscribers }, (_, s) => pseudo(s)).sort());
        const sorted = write();
        const given = write(order);
        expect(given.bytes.equals(sorted.bytes)).toBe(true);
        expect(given.file.p).toEqual([...given.file.p].sort());
        expect(given.file.origin?.subs.length).toBe(given.file.p.length);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a file that is not one, or is cut short', () => {
    const { bytes } = writeCarryFile(
      { ints: new Int32Array(0), floats: new Float64Array(0) },
      (s) => `p${s}`,
      registries,
      countries(),
    );
    expect(readCarryFile(bytes).p).toEqual([]);
    expect(() => readCarryFile(Buffer.from('{"p":"x"}\n'))).toThrow(RangeError);
    const one = columnsOf([[0, { ...NOTHING_LEARNT, ...base() }]]);
    const full = writeCarryFile(
      { ints: Int32Array.from(one.ints), floats: Float64Array.from(one.floats) },
      (s) => `p${s}`,
      registries,
      countries(),
    ).bytes;
    expect(() => readCarryFile(full.subarray(0, full.length - 4))).toThrow(RangeError);
  });
});

function base(): Omit<Carry, keyof typeof NOTHING_LEARNT> {
  return {
    t: Float64Array.of(1000, 2000),
    place: Int32Array.of(0, -1),
    state: 0,
    runStart: 500,
    epStart: -1,
    epAnchor: -1,
    epCities: new Int32Array(0),
    epCounts: new Float64Array(0),
  };
}
