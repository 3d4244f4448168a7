// The stay carried from one daily run to the next, as a day's carry.jsonl
// stored it before carry.bin (carry-file.ts), which stores what these lines
// decode to: places by cell id and city code rather than by index, so a carry
// stays valid when the registries change between the two runs. A run still
// reads a day's carry.jsonl left by an earlier version.
import {
  ABROAD,
  type Carry,
  type CarryColumns,
  GrowableColumns,
  SEEN_ALL,
  UNDECIDED,
} from '@itinerary-card/stay-engine';
import type { CountryTable } from '../compute/event-buffer.ts';
import type { Registries } from '../read/registry.ts';

export interface StoredCarry {
  /** City code, '@' for abroad, '?' for a stationary episode not yet settled. */
  s: string;
  rs: number;
  /** Open stationary episode: where it resumes in t, its anchor cell id, and earlier records counted by city code. */
  es: number;
  ea: string | null;
  ec: Record<string, number>;
  t: number[];
  /** Cell ids, or '@CC' for a roaming record in country CC. */
  pl: string[];
  /** Contested time by city code (Carry.memCities/memCounts); absent in carries stored before it existed. */
  mc?: Record<string, number>;
  /** Learnt cross-coverage: cell id → [city code it serves the subscriber from, bounces seen]. */
  lc?: Record<string, [string, number]>;
  /** Records at interior cells by city code, or {'*': 0} for every city (Carry.seenCities/seenCounts). */
  si?: Record<string, number>;
}

/**
 * Converts carries between the engine's form and the stored one for one run's
 * registries. Every carried subscriber passes through here on the run's
 * critical path: plain loops into typed arrays, one object per line.
 */
export class CarryCodec {
  constructor(
    private readonly registries: Pick<Registries, 'cityCodes' | 'cityIndex' | 'cellIds' | 'cellIndex'>,
    private readonly countries: CountryTable,
  ) {}

  protected get carryRegistries() {
    return this.registries;
  }

  protected get carryCountries() {
    return this.countries;
  }

  /**
   * The engine's carry, or null when its city has no cells any more. Records at
   * cells no longer in the registry are left out; the open episode then starts afresh.
   */
  decode(c: StoredCarry): Carry | null {
    const { cellIndex, cityIndex } = this.registries;
    const state = c.s === '@' ? ABROAD : c.s === '?' ? UNDECIDED : cityIndex.get(c.s);
    if (state === undefined) return null;
    const n = c.t.length;
    let t = new Float64Array(n);
    let place = new Int32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const p = c.pl[i]!;
      const idx = p.charCodeAt(0) === 64 ? -this.countries.idx(p.slice(1)) - 1 : cellIndex.get(p);
      if (idx === undefined) continue;
      t[m] = c.t[i]!;
      place[m] = idx;
      m++;
    }
    if (m < n) {
      t = t.slice(0, m);
      place = place.slice(0, m);
    }
    let cities = 0;
    for (const _ in c.ec) cities++;
    let epCities = new Int32Array(cities);
    let epCounts = new Float64Array(cities);
    let e = 0;
    for (const code in c.ec) {
      const city = cityIndex.get(code);
      if (city === undefined) continue;
      epCities[e] = city;
      epCounts[e] = c.ec[code]!;
      e++;
    }
    if (e < cities) {
      epCities = epCities.slice(0, e);
      epCounts = epCounts.slice(0, e);
    }
    const anchor = c.ea === null ? -1 : (cellIndex.get(c.ea) ?? -1);
    const memCities: number[] = [];
    const memCounts: number[] = [];
    for (const code in c.mc) {
      const city = cityIndex.get(code);
      if (city === undefined) continue;
      memCities.push(city);
      memCounts.push(c.mc[code]!);
    }
    const learnCells: number[] = [];
    const learnCities: number[] = [];
    const learnCounts: number[] = [];
    for (const id in c.lc) {
      const cell = cellIndex.get(id);
      const [code, count] = c.lc[id]!;
      const city = cityIndex.get(code);
      if (cell === undefined || city === undefined) continue;
      learnCells.push(cell);
      learnCities.push(city);
      learnCounts.push(count);
    }
    const seenCities: number[] = [];
    const seenCounts: number[] = [];
    for (const code in c.si) {
      if (code === '*') {
        seenCities.length = 0;
        seenCounts.length = 0;
        seenCities.push(SEEN_ALL);
        break;
      }
      const city = cityIndex.get(code);
      if (city === undefined) continue;
      seenCities.push(city);
      seenCounts.push(c.si[code]!);
    }
    return {
      t,
      place,
      state,
      runStart: c.rs,
      epStart: anchor >= 0 && m === n ? c.es : -1,
      epAnchor: anchor,
      epCities,
      epCounts,
      memCities: Int32Array.from(memCities),
      memCounts: Float64Array.from(memCounts),
      learnCells: Int32Array.from(learnCells),
      learnCities: Int32Array.from(learnCities),
      learnCounts: Int32Array.from(learnCounts),
      seenCities: Int32Array.from(seenCities),
      seenCounts: Int32Array.from(seenCounts),
    };
  }

  private seenLine(c: Carry): Record<string, number> {
    if (c.seenCities[0] === SEEN_ALL) return { '*': 0 };
    const si: Record<string, number> = {};
    for (let i = 0; i < c.seenCities.length; i++) si[this.registries.cityCodes[c.seenCities[i]!]!] = c.seenCounts[i]!;
    return si;
  }

  /** The stored line of a carry: StoredCarry with the subscriber's pseudonym first. */
  line(p: string, c: Carry): string {
    return JSON.stringify(this.stored(p, c));
  }

  /**
   * The stored form of a carry, with the subscriber's pseudonym first, as JSON.parse gives it
   * back from its line (numbers JSON cannot write are null, -0 is 0): a session keeps these
   * for its next day instead of reading the file again (see heldCarries).
   */
  stored(p: string, c: Carry): StoredCarry & { p: string } {
    const { cityCodes, cellIds } = this.registries;
    const ec: Record<string, number> = {};
    for (let i = 0; i < c.epCities.length; i++) ec[cityCodes[c.epCities[i]!]!] = json(c.epCounts[i]!);
    const mc: Record<string, number> = {};
    for (let i = 0; i < c.memCities.length; i++) mc[cityCodes[c.memCities[i]!]!] = json(c.memCounts[i]!);
    const lc: Record<string, [string, number]> = {};
    for (let i = 0; i < c.learnCells.length; i++)
      lc[cellIds[c.learnCells[i]!]!] = [cityCodes[c.learnCities[i]!]!, c.learnCounts[i]!];
    const t: number[] = new Array(c.t.length);
    const pl: string[] = new Array(c.place.length);
    for (let i = 0; i < c.t.length; i++) t[i] = json(c.t[i]!);
    for (let i = 0; i < c.place.length; i++) {
      const x = c.place[i]!;
      pl[i] = x < 0 ? `@${this.countries.codes[-x - 1]}` : cellIds[x]!;
    }
    const stored: StoredCarry & { p: string } = {
      p,
      s: c.state === ABROAD ? '@' : c.state === UNDECIDED ? '?' : cityCodes[c.state]!,
      rs: json(c.runStart),
      es: c.epStart,
      ea: c.epAnchor >= 0 ? cellIds[c.epAnchor]! : null,
      ec,
      t,
      pl,
      ...(c.memCities.length ? { mc } : {}),
      ...(c.learnCells.length ? { lc } : {}),
      ...(c.seenCities.length ? { si: this.seenLine(c) } : {}),
    };
    return stored;
  }
}

/**
 * Stored carries (carry.jsonl's, from before carry.bin: carry-file.ts) decoded straight into
 * the native engine's CarryColumns, without a Carry (a dozen typed arrays) per subscriber:
 * `decodeInto` writes what CarryCodec.decode gives.
 */
export class CarryColumnsCodec extends CarryCodec {
  private readonly w = new GrowableColumns(1 << 14);

  /** Appends subscriber `sub`'s carry as decode(c) gives it (nothing where decode gives null). */
  decodeInto(sub: number, c: StoredCarry): void {
    const { cellIndex, cityIndex } = this.carryRegistries;
    const state = c.s === '@' ? ABROAD : c.s === '?' ? UNDECIDED : cityIndex.get(c.s);
    if (state === undefined) return;
    const n = c.t.length;
    let nec = 0;
    for (const _ in c.ec) nec++;
    let nmc = 0;
    for (const _ in c.mc) nmc++;
    let nlc = 0;
    for (const _ in c.lc) nlc++;
    let nsi = 0;
    for (const _ in c.si) nsi++;
    this.w.room(9 + n + nec + nmc + 3 * nlc + 2 * nsi, 1 + n + nec + nmc);
    const ints = this.w.ints;
    const floats = this.w.floats;
    const at = this.w.ni;
    const fat = this.w.nf;
    let i = at + 9;
    // t and place: records at cells no longer known left out (the floats after runStart).
    let f = fat + 1;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const p = c.pl[k]!;
      const idx = p.charCodeAt(0) === 64 ? -this.carryCountries.idx(p.slice(1)) - 1 : cellIndex.get(p);
      if (idx === undefined) continue;
      floats[f + m] = c.t[k]!;
      ints[i + m] = idx;
      m++;
    }
    i += m;
    f += m;
    let e = 0;
    for (const code in c.ec) {
      const city = cityIndex.get(code);
      if (city === undefined) continue;
      ints[i + e] = city;
      floats[f + e] = c.ec[code]!;
      e++;
    }
    i += e;
    f += e;
    let mm = 0;
    for (const code in c.mc) {
      const city = cityIndex.get(code);
      if (city === undefined) continue;
      ints[i + mm] = city;
      floats[f + mm] = c.mc[code]!;
      mm++;
    }
    i += mm;
    f += mm;
    // learnCells, learnCities, learnCounts: three runs of nl.
    let nl = 0;
    for (const id in c.lc) {
      const cell = cellIndex.get(id);
      const [code] = c.lc[id]!;
      if (cell === undefined || cityIndex.get(code) === undefined) continue;
      nl++;
    }
    let l = 0;
    for (const id in c.lc) {
      const cell = cellIndex.get(id);
      const [code, count] = c.lc[id]!;
      const city = cityIndex.get(code);
      if (cell === undefined || city === undefined) continue;
      ints[i + l] = cell;
      ints[i + nl + l] = city;
      ints[i + 2 * nl + l] = count;
      l++;
    }
    i += 3 * nl;
    let ns = 0;
    for (const code in c.si) {
      if (code === '*') {
        ns = -1;
        break;
      }
      if (cityIndex.get(code) !== undefined) ns++;
    }
    if (ns > 0) {
      let k = 0;
      for (const code in c.si) {
        const city = cityIndex.get(code);
        if (city === undefined) continue;
        ints[i + k] = city;
        ints[i + ns + k] = c.si[code]!;
        k++;
      }
      i += 2 * ns;
    }
    const anchor = c.ea === null ? -1 : (cellIndex.get(c.ea) ?? -1);
    ints[at] = sub;
    ints[at + 1] = state;
    ints[at + 2] = anchor >= 0 && m === n ? c.es : -1;
    ints[at + 3] = anchor;
    ints[at + 4] = m;
    ints[at + 5] = e;
    ints[at + 6] = mm;
    ints[at + 7] = nl;
    ints[at + 8] = ns;
    floats[fat] = c.rs;
    this.w.ni = i;
    this.w.nf = f;
  }

  /** The carries decoded so far (decodeInto), and a fresh start. */
  take(): CarryColumns {
    const out = { ints: this.w.ints.slice(0, this.w.ni), floats: this.w.floats.slice(0, this.w.nf) };
    this.w.ni = 0;
    this.w.nf = 0;
    return out;
  }
}

/** A number as JSON.parse gives it back from JSON.stringify: null where JSON has no such number, 0 for -0. */
function json(x: number): number {
  // (null, typed as the number it stands for: decode reads it as a typed array reads null, 0.)
  return Number.isFinite(x) ? x + 0 : (null as unknown as number);
}
