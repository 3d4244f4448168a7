// Flat encodings of what crosses between threads: the carried stays going into
// a worker and the per-subscriber day results coming back (typed arrays, no
// object per subscriber in the message).
import type { Carry, DayOutput } from '@itinerary-card/stay-engine';

export interface Encoded {
  ints: Int32Array;
  floats: Float64Array;
}

class Writer {
  ints = new Int32Array(1 << 12);
  floats = new Float64Array(1 << 10);
  ni = 0;
  nf = 0;
  int(v: number): void {
    if (this.ni === this.ints.length) {
      const next = new Int32Array(this.ints.length * 2);
      next.set(this.ints);
      this.ints = next;
    }
    this.ints[this.ni++] = v;
  }
  float(v: number): void {
    if (this.nf === this.floats.length) {
      const next = new Float64Array(this.floats.length * 2);
      next.set(this.floats);
      this.floats = next;
    }
    this.floats[this.nf++] = v;
  }
  done(): Encoded {
    return { ints: this.ints.slice(0, this.ni), floats: this.floats.slice(0, this.nf) };
  }
}

function writeCarry(w: Writer, c: Carry): void {
  w.int(c.state);
  w.int(c.epStart);
  w.int(c.epAnchor);
  w.int(c.t.length);
  w.int(c.epCities.length);
  w.float(c.runStart);
  for (let i = 0; i < c.t.length; i++) {
    w.float(c.t[i]!);
    w.int(c.place[i]!);
  }
  for (let i = 0; i < c.epCities.length; i++) {
    w.int(c.epCities[i]!);
    w.float(c.epCounts[i]!);
  }
  w.int(c.memCities.length);
  for (let i = 0; i < c.memCities.length; i++) {
    w.int(c.memCities[i]!);
    w.float(c.memCounts[i]!);
  }
  w.int(c.learnCells.length);
  for (let i = 0; i < c.learnCells.length; i++) {
    w.int(c.learnCells[i]!);
    w.int(c.learnCities[i]!);
    w.int(c.learnCounts[i]!);
  }
  w.int(c.seenCities.length);
  for (let i = 0; i < c.seenCities.length; i++) w.int(c.seenCities[i]!);
  w.int(c.seenCounts.length);
  for (let i = 0; i < c.seenCounts.length; i++) w.int(c.seenCounts[i]!);
}

class Reader {
  i = 0;
  f = 0;
  constructor(readonly e: Encoded) {}
  int(): number {
    return this.e.ints[this.i++]!;
  }
  float(): number {
    return this.e.floats[this.f++]!;
  }
  get more(): boolean {
    return this.i < this.e.ints.length;
  }
}

function readCarry(r: Reader): Carry {
  const state = r.int();
  const epStart = r.int();
  const epAnchor = r.int();
  const n = r.int();
  const ne = r.int();
  const runStart = r.float();
  const t = new Float64Array(n);
  const place = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = r.float();
    place[i] = r.int();
  }
  const epCities = new Int32Array(ne);
  const epCounts = new Float64Array(ne);
  for (let i = 0; i < ne; i++) {
    epCities[i] = r.int();
    epCounts[i] = r.float();
  }
  const nm = r.int();
  const memCities = new Int32Array(nm);
  const memCounts = new Float64Array(nm);
  for (let i = 0; i < nm; i++) {
    memCities[i] = r.int();
    memCounts[i] = r.float();
  }
  const nl = r.int();
  const learnCells = new Int32Array(nl);
  const learnCities = new Int32Array(nl);
  const learnCounts = new Int32Array(nl);
  for (let i = 0; i < nl; i++) {
    learnCells[i] = r.int();
    learnCities[i] = r.int();
    learnCounts[i] = r.int();
  }
  const ns = r.int();
  const seenCities = new Int32Array(ns);
  for (let i = 0; i < ns; i++) seenCities[i] = r.int();
  const nk = r.int();
  const seenCounts = new Int32Array(nk);
  for (let i = 0; i < nk; i++) seenCounts[i] = r.int();
  return {
    state,
    runStart,
    t,
    place,
    epStart,
    epAnchor,
    epCities,
    epCounts,
    memCities,
    memCounts,
    learnCells,
    learnCities,
    learnCounts,
    seenCities,
    seenCounts,
  };
}

/** Carries of the given subscribers, as [sub, carry] pairs. */
export function encodeCarries(subs: Iterable<[number, Carry]>): Encoded {
  const w = new Writer();
  for (const [s, c] of subs) {
    w.int(s);
    writeCarry(w, c);
  }
  return w.done();
}

export function decodeCarries(e: Encoded): Map<number, Carry> {
  const r = new Reader(e);
  const out = new Map<number, Carry>();
  while (r.more) {
    const s = r.int();
    out.set(s, readCarry(r));
  }
  return out;
}

/** Collects sink calls in a worker. */
export class ResultWriter {
  private readonly w = new Writer();
  add(sub: number, days: readonly DayOutput[], carry: Carry | null): void {
    const w = this.w;
    w.int(sub);
    for (const d of days) {
      w.int(d.hadRecord ? 1 : 0);
      w.int(d.cities.length);
      for (const c of d.cities) w.int(c);
      w.int(d.countries.length);
      for (const c of d.countries) w.int(c);
    }
    w.int(carry ? 1 : 0);
    if (carry) writeCarry(w, carry);
  }
  done(): Encoded {
    return this.w.done();
  }
}

/** Replays a worker's results into a sink on the main thread. */
export function replayResults(
  e: Encoded,
  dayCount: number,
  sink: (sub: number, days: readonly DayOutput[], carry: Carry | null) => void,
): void {
  const r = new Reader(e);
  const days: DayOutput[] = Array.from({ length: dayCount }, () => ({ cities: [], countries: [], hadRecord: false }));
  while (r.more) {
    const s = r.int();
    for (const d of days) {
      d.hadRecord = r.int() === 1;
      d.cities.length = 0;
      d.countries.length = 0;
      for (let k = r.int(); k > 0; k--) d.cities.push(r.int());
      for (let k = r.int(); k > 0; k--) d.countries.push(r.int());
    }
    const carry = r.int() === 1 ? readCarry(r) : null;
    sink(s, days, carry);
  }
}
