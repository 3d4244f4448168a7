// The stay carried from one daily run to the next, as stored in a day's
// carry.jsonl: places by cell id and city code rather than by index, so a
// carry stays valid when the registries change between the two runs.
import { ABROAD, type Carry, SEEN_ALL, UNDECIDED } from '@itinerary-card/stay-engine';
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
    const { cityCodes, cellIds } = this.registries;
    const ec: Record<string, number> = {};
    for (let i = 0; i < c.epCities.length; i++) ec[cityCodes[c.epCities[i]!]!] = c.epCounts[i]!;
    const mc: Record<string, number> = {};
    for (let i = 0; i < c.memCities.length; i++) mc[cityCodes[c.memCities[i]!]!] = c.memCounts[i]!;
    const lc: Record<string, [string, number]> = {};
    for (let i = 0; i < c.learnCells.length; i++)
      lc[cellIds[c.learnCells[i]!]!] = [cityCodes[c.learnCities[i]!]!, c.learnCounts[i]!];
    const t: number[] = new Array(c.t.length);
    const pl: string[] = new Array(c.place.length);
    for (let i = 0; i < c.t.length; i++) t[i] = c.t[i]!;
    for (let i = 0; i < c.place.length; i++) {
      const x = c.place[i]!;
      pl[i] = x < 0 ? `@${this.countries.codes[-x - 1]}` : cellIds[x]!;
    }
    const stored: StoredCarry & { p: string } = {
      p,
      s: c.state === ABROAD ? '@' : c.state === UNDECIDED ? '?' : cityCodes[c.state]!,
      rs: c.runStart,
      es: c.epStart,
      ea: c.epAnchor >= 0 ? cellIds[c.epAnchor]! : null,
      ec,
      t,
      pl,
      ...(c.memCities.length ? { mc } : {}),
      ...(c.learnCells.length ? { lc } : {}),
      ...(c.seenCities.length ? { si: this.seenLine(c) } : {}),
    };
    return JSON.stringify(stored);
  }
}
