// A day's carries as stored in its carry.bin: the native engine's CarryColumns
// with every index replaced by a name (cell id, city code, country code, the
// subscriber's pseudonym) through small tables in a JSON header, so the carries
// stay valid when the registries change between two runs, as carry.jsonl's
// (stored-carry.ts) did. Written in one buffer and read without an object per
// carry: a day of 10,000 carries cost about 0.2 s of CPU as JSON lines (written,
// read, decoded), a few milliseconds so.
//
// The carries are stored as carry.jsonl's line would decode (CarryCodec.decode of
// JSON.parse of CarryCodec.line): each list keyed by a name in the order a
// JavaScript object gives its keys (integer-like names first, ascending; a
// name twice keeps its last value), numbers JSON cannot write as 0, -0 as 0,
// an episode without its anchor cell as none. So a run reading carry.bin starts
// from the carry a run reading carry.jsonl started from.
import { endianness } from 'node:os';
import {
  ABROAD,
  type Carry,
  type CarryColumns,
  CarryReader,
  GrowableColumns,
  SEEN_ALL,
  UNDECIDED,
} from '@itinerary-card/stay-engine';
import type { CountryTable } from '../compute/event-buffer.ts';
import type { Registries } from '../read/registry.ts';

const MAGIC = 'ICCARRY1';
/** The file is little-endian: written and read as typed arrays where the machine is too. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** The tables of a carry.bin: the names its indices stand for. */
interface CarryNames {
  cells: string[];
  cities: string[];
  countries: string[];
  /** The subscribers' pseudonyms, one a carry, in the carries' order (ascending). */
  p: string[];
}

/** A carry.bin read (or just written): its names, and its columns with indices into them. */
export interface CarryFile extends CarryNames {
  ints: Int32Array;
  floats: Float64Array;
  /** Where each carry starts in ints and floats. */
  at: Int32Array;
  fat: Int32Array;
  /**
   * A file just written (writeCarryFile), not read: the registries it was written from, and
   * its names' indices there (cells, cities) and each carry's subscriber. A run on the same
   * registries (a session's next day) finds its carries so, without a lookup by name.
   */
  origin?: { registries: object; cells: readonly number[]; cities: readonly number[]; subs: Int32Array };
}

/** The number as JSON.stringify then JSON.parse, then a typed array give it: 0 where JSON writes null, 0 for -0. */
const json = (x: number) => (Number.isFinite(x) ? x + 0 : 0);

/** A name's value as an array index (a JavaScript object lists those first, ascending), or -1. */
function arrayIndex(s: string): number {
  const n = s.length;
  if (n === 0 || n > 10 || (n > 1 && s.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v < 4294967295 ? v : -1;
}

/**
 * The names of one registry list (cell ids, city codes) for ordering lists as an object
 * orders its keys: each index's name and its value as an array index, found once.
 */
class Keys {
  private readonly num: Float64Array;
  constructor(readonly names: readonly string[]) {
    this.num = new Float64Array(names.length).fill(-2);
  }
  /** The name's value as an array index, or -1. */
  index(x: number): number {
    let v = this.num[x]!;
    if (v === -2) {
      v = arrayIndex(this.names[x]!);
      this.num[x] = v;
    }
    return v;
  }

  /**
   * The positions of the `n` entries at `ints[from..]` (indices into names) in the order an
   * object made of them (`o[name] = value` in turn) lists its keys, each name once at its
   * last position; undefined when that is 0..n-1.
   */
  order(ints: Int32Array, from: number, n: number): number[] | undefined {
    if (n < 2) return undefined;
    // Most lists: names all integer-like and ascending (city codes), or none integer-like and each once (cell ids).
    let prev = -1;
    let ascending = true;
    let none = true;
    for (let k = 0; k < n; k++) {
      const v = this.index(ints[from + k]!);
      ascending &&= v > prev;
      none &&= v < 0;
      prev = v;
    }
    if (ascending) return undefined;
    let all = true;
    for (let k = 0; k < n && all; k++) all = this.index(ints[from + k]!) >= 0;
    if (all) {
      // Integer-like names only: by their value, each once at its last position (no object needed).
      const pos: number[] = [];
      for (let k = 0; k < n; k++) {
        const v = this.index(ints[from + k]!);
        let j = pos.length;
        let same = -1;
        for (let a = 0; a < pos.length; a++) if (this.index(ints[from + pos[a]!]!) === v) same = a;
        if (same >= 0) {
          pos[same] = k;
          continue;
        }
        pos.push(k);
        while (j > 0 && this.index(ints[from + pos[j - 1]!]!) > v) {
          pos[j] = pos[j - 1]!;
          j--;
        }
        pos[j] = k;
      }
      return pos;
    }
    if (none) {
      let distinct = true;
      for (let a = 0; a < n && distinct; a++)
        for (let b = a + 1; b < n && distinct; b++) distinct = ints[from + a] !== ints[from + b];
      if (distinct) return undefined;
    }
    const o: Record<string, number> = {};
    for (let k = 0; k < n; k++) o[this.names[ints[from + k]!]!] = k;
    const out: number[] = [];
    for (const key in o) out.push(o[key]!);
    return out.length === n && out.every((x, i) => x === i) ? undefined : out;
  }
}

/** A table of the names a file uses, each given its local index on first use. */
class Names {
  readonly list: string[] = [];
  /** Each local name's index in `names`. */
  readonly from: number[] = [];
  private readonly of: Int32Array;
  constructor(private readonly names: readonly string[]) {
    this.of = new Int32Array(names.length).fill(-1);
  }
  /** The local index of the name of index `i`. */
  idx(i: number): number {
    let k = this.of[i]!;
    if (k < 0) {
      k = this.list.length;
      this.list.push(this.names[i]!);
      this.from.push(i);
      this.of[i] = k;
    }
    return k;
  }
}

/**
 * The carries out of a run (the engine's columns, indices of `registries` and `countries`)
 * as stored: those with records only, ordered by pseudonym, each as carry.jsonl's line would
 * decode. Returns the file's bytes and the file as read back from them. `byPseudonym`, when
 * given, lists subscribers (every one of the carries' at least) in their pseudonyms' order:
 * the carries are taken in that order instead of sorted (a session's runs share one).
 */
export function writeCarryFile(
  out: CarryColumns,
  pseudoOf: (sub: number) => string,
  registries: Pick<Registries, 'cityCodes' | 'cellIds'>,
  countries: CountryTable,
  byPseudonym?: Int32Array,
): { bytes: Buffer; file: CarryFile } {
  const { cityCodes, cellIds } = registries;
  const { ints, floats } = out;
  // Each carry's start in ints and floats; those without records left out.
  let count = 0;
  let maxSub = -1;
  for (let i = 0; i < ints.length; ) {
    if (ints[i + 4]! > 0) {
      count++;
      if (ints[i]! > maxSub) maxSub = ints[i]!;
    }
    i += 9 + ints[i + 4]! + ints[i + 5]! + ints[i + 6]! + 3 * ints[i + 7]! + (ints[i + 8]! > 0 ? 2 * ints[i + 8]! : 0);
  }
  const iAt = new Int32Array(count);
  const fAt = new Int32Array(count);
  const p: string[] = [];
  if (byPseudonym) {
    // By subscriber, where its carry starts (+1; 0: none), then in the given order.
    const startOf = new Int32Array(maxSub + 1);
    const fStartOf = new Int32Array(maxSub + 1);
    for (let i = 0, f = 0; i < ints.length; ) {
      const nt = ints[i + 4]!;
      if (nt > 0) {
        startOf[ints[i]!] = i + 1;
        fStartOf[ints[i]!] = f;
      }
      const ns = ints[i + 8]!;
      f += 1 + nt + ints[i + 5]! + ints[i + 6]!;
      i += 9 + nt + ints[i + 5]! + ints[i + 6]! + 3 * ints[i + 7]! + (ns > 0 ? 2 * ns : 0);
    }
    let n = 0;
    for (let k = 0; k < byPseudonym.length && n < count; k++) {
      const sub = byPseudonym[k]!;
      if (sub > maxSub || startOf[sub] === 0) continue;
      iAt[n] = startOf[sub]! - 1;
      fAt[n] = fStartOf[sub]!;
      p.push(pseudoOf(sub));
      n++;
    }
    if (n !== count) throw new RangeError('byPseudonym lacks a subscriber of the carries');
  } else {
    const starts: Array<{ p: string; i: number; f: number }> = [];
    for (let i = 0, f = 0; i < ints.length; ) {
      const nt = ints[i + 4]!;
      const ne = ints[i + 5]!;
      const nm = ints[i + 6]!;
      const nl = ints[i + 7]!;
      const ns = ints[i + 8]!;
      if (nt > 0) starts.push({ p: pseudoOf(ints[i]!), i, f });
      i += 9 + nt + ne + nm + 3 * nl + (ns > 0 ? 2 * ns : 0);
      f += 1 + nt + ne + nm;
    }
    starts.sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
    starts.forEach((s, n) => {
      iAt[n] = s.i;
      fAt[n] = s.f;
      p.push(s.p);
    });
  }
  const cells = new Names(cellIds);
  const cities = new Names(cityCodes);
  const codes = new Names(countries.codes);
  const cellKeys = new Keys(cellIds);
  const cityKeys = new Keys(cityCodes);
  // (No carry grows when written: room for them all, once.)
  const w = new GrowableColumns(1);
  w.room(ints.length, floats.length);
  const at = new Int32Array(count);
  const fat = new Int32Array(count);
  const subs = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const i0 = iAt[n]!;
    const f0 = fAt[n]!;
    subs[n] = ints[i0]!;
    const state = ints[i0 + 1]!;
    const epStart = ints[i0 + 2]!;
    const anchor = ints[i0 + 3]!;
    const nt = ints[i0 + 4]!;
    const ne = ints[i0 + 5]!;
    const nm = ints[i0 + 6]!;
    const nl = ints[i0 + 7]!;
    const ns = ints[i0 + 8]!;
    const place = i0 + 9;
    const t = f0 + 1;
    const epI = place + nt;
    const epF = t + nt;
    const memI = epI + ne;
    const memF = epF + ne;
    const learn = memI + nm;
    const seen = learn + 3 * nl;
    // The lists in the order their names come out of an object (stored-carry.ts line, decode).
    const epOrder = ne > 1 ? cityKeys.order(ints, epI, ne) : undefined;
    const memOrder = nm > 1 ? cityKeys.order(ints, memI, nm) : undefined;
    const learnOrder = nl > 1 ? cellKeys.order(ints, learn, nl) : undefined;
    const seenOrder = ns > 1 ? cityKeys.order(ints, seen, ns) : undefined;
    const ne2 = epOrder?.length ?? ne;
    const nm2 = memOrder?.length ?? nm;
    const nl2 = learnOrder?.length ?? nl;
    const ns2 = ns > 0 ? (seenOrder?.length ?? ns) : ns;
    w.room(9 + nt + ne2 + nm2 + 3 * nl2 + 2 * Math.max(0, ns2), 1 + nt + ne2 + nm2);
    const I = w.ints;
    const F = w.floats;
    at[n] = w.ni;
    fat[n] = w.nf;
    let o = w.ni;
    let of = w.nf;
    I[o++] = n;
    I[o++] = state === ABROAD || state === UNDECIDED ? state : cities.idx(state);
    I[o++] = anchor >= 0 ? epStart : -1;
    I[o++] = anchor >= 0 ? cells.idx(anchor) : -1;
    I[o++] = nt;
    I[o++] = ne2;
    I[o++] = nm2;
    I[o++] = nl2;
    I[o++] = ns2;
    F[of++] = json(floats[f0]!);
    for (let k = 0; k < nt; k++) {
      const x = ints[place + k]!;
      I[o++] = x < 0 ? -codes.idx(-x - 1) - 1 : cells.idx(x);
      F[of++] = json(floats[t + k]!);
    }
    for (let k = 0; k < ne2; k++) {
      const s = epOrder ? epOrder[k]! : k;
      I[o++] = cities.idx(ints[epI + s]!);
      F[of++] = json(floats[epF + s]!);
    }
    for (let k = 0; k < nm2; k++) {
      const s = memOrder ? memOrder[k]! : k;
      I[o++] = cities.idx(ints[memI + s]!);
      F[of++] = json(floats[memF + s]!);
    }
    for (let k = 0; k < nl2; k++) I[o + k] = cells.idx(ints[learn + (learnOrder ? learnOrder[k]! : k)]!);
    for (let k = 0; k < nl2; k++) I[o + nl2 + k] = cities.idx(ints[learn + nl + (learnOrder ? learnOrder[k]! : k)]!);
    for (let k = 0; k < nl2; k++) I[o + 2 * nl2 + k] = ints[learn + 2 * nl + (learnOrder ? learnOrder[k]! : k)]!;
    o += 3 * nl2;
    for (let k = 0; k < ns2; k++) I[o + k] = cities.idx(ints[seen + (seenOrder ? seenOrder[k]! : k)]!);
    for (let k = 0; k < ns2; k++) I[o + ns2 + k] = ints[seen + ns + (seenOrder ? seenOrder[k]! : k)]!;
    if (ns2 > 0) o += 2 * ns2;
    w.ni = o;
    w.nf = of;
  }
  const file: CarryFile = {
    cells: cells.list,
    cities: cities.list,
    countries: codes.list,
    p,
    ints: w.ints.subarray(0, w.ni),
    floats: w.floats.subarray(0, w.nf),
    at,
    fat,
  };
  const bytes = carryBytes(file);
  file.origin = { registries, cells: cells.from, cities: cities.from, subs };
  return { bytes, file };
}

/**
 * Subscribers 0 to `subscribers` - 1 in their pseudonyms' order (writeCarryFile's
 * byPseudonym): the strings sorted by the engine's own sort, without a comparison called
 * back per pair (string comparisons in a callback were most of writing a day's carries).
 */
export function pseudonymOrder(subscribers: number, pseudoOf: (sub: number) => string): Int32Array {
  const bySub = new Map<string, number>();
  const all: string[] = [];
  for (let sub = 0; sub < subscribers; sub++) {
    const p = pseudoOf(sub);
    if (bySub.has(p)) throw new RangeError('two subscribers of one pseudonym');
    bySub.set(p, sub);
    all.push(p);
  }
  // (The default sort orders strings by UTF-16 code units, as `<` does.)
  all.sort();
  return Int32Array.from(all, (p) => bySub.get(p)!);
}

/** carry.bin: MAGIC, the names' JSON and its length, then (at a multiple of 8) the floats, then the ints, little-endian. */
function carryBytes(file: CarryFile): Buffer {
  const names: CarryNames & { ni: number; nf: number } = {
    cells: file.cells,
    cities: file.cities,
    countries: file.countries,
    p: file.p,
    ni: file.ints.length,
    nf: file.floats.length,
  };
  const head = Buffer.from(JSON.stringify(names), 'utf8');
  const start = Math.ceil((MAGIC.length + 4 + head.length) / 8) * 8;
  const out = Buffer.alloc(start + file.floats.length * 8 + file.ints.length * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(head.length, MAGIC.length);
  head.copy(out, MAGIC.length + 4);
  if (LITTLE_ENDIAN && (out.byteOffset + start) % 8 === 0) {
    new Float64Array(out.buffer, out.byteOffset + start, file.floats.length).set(file.floats);
    new Int32Array(out.buffer, out.byteOffset + start + file.floats.length * 8, file.ints.length).set(file.ints);
    return out;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  let o = start;
  for (const x of file.floats) {
    view.setFloat64(o, x, true);
    o += 8;
  }
  for (const x of file.ints) {
    view.setInt32(o, x, true);
    o += 4;
  }
  return out;
}

/** A carry.bin's contents; throws on anything else (a file cut short, another format). */
export function readCarryFile(bytes: Buffer): CarryFile {
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new RangeError('not a carry file');
  const len = bytes.readUInt32LE(MAGIC.length);
  const names = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + len)) as CarryNames & {
    ni: number;
    nf: number;
  };
  const start = Math.ceil((MAGIC.length + 4 + len) / 8) * 8;
  if (bytes.length !== start + names.nf * 8 + names.ni * 4) throw new RangeError('carry file cut short');
  let floats: Float64Array;
  let ints: Int32Array;
  if (LITTLE_ENDIAN && (bytes.byteOffset + start) % 8 === 0) {
    floats = new Float64Array(bytes.buffer, bytes.byteOffset + start, names.nf).slice();
    ints = new Int32Array(bytes.buffer, bytes.byteOffset + start + names.nf * 8, names.ni).slice();
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    floats = new Float64Array(names.nf);
    ints = new Int32Array(names.ni);
    let o = start;
    for (let k = 0; k < names.nf; k++, o += 8) floats[k] = view.getFloat64(o, true);
    for (let k = 0; k < names.ni; k++, o += 4) ints[k] = view.getInt32(o, true);
  }
  const at = new Int32Array(names.p.length);
  const fat = new Int32Array(names.p.length);
  for (let n = 0, i = 0, f = 0; n < names.p.length; n++) {
    at[n] = i;
    fat[n] = f;
    const nt = ints[i + 4]!;
    const ne = ints[i + 5]!;
    const nm = ints[i + 6]!;
    const nl = ints[i + 7]!;
    const ns = ints[i + 8]!;
    i += 9 + nt + ne + nm + 3 * nl + (ns > 0 ? 2 * ns : 0);
    f += 1 + nt + ne + nm;
  }
  return { cells: names.cells, cities: names.cities, countries: names.countries, p: names.p, ints, floats, at, fat };
}

/**
 * A stored file's carries for a run: by subscriber of the run, its carry by pseudonym, its
 * names found in the run's registries and country table, as CarryCodec.decode finds them: a
 * carry whose city is gone is dropped, a record at a cell gone is left out (and the open
 * episode with it), list entries of cells or cities gone too. A country gets its run's index
 * on first use, as decode gives it, so carries are asked for in the order decode was.
 */
export class FileCarries {
  private readonly byP = new Map<string, number>();
  /** A file written from the run's registries (CarryFile.origin): by subscriber, its carry (-1: none). */
  private readonly bySub: Int32Array | undefined;
  private readonly cell: readonly number[];
  private readonly city: readonly number[];
  private readonly country: Int32Array;

  constructor(
    private readonly file: CarryFile,
    registries: Pick<Registries, 'cityIndex' | 'cellIndex'>,
    private readonly countries: CountryTable,
  ) {
    const origin = file.origin?.registries === registries ? file.origin : undefined;
    if (origin) {
      let most = -1;
      for (const sub of origin.subs) most = Math.max(most, sub);
      this.bySub = new Int32Array(most + 1).fill(-1);
      origin.subs.forEach((sub, n) => {
        this.bySub![sub] = n;
      });
      this.cell = origin.cells;
      this.city = origin.cities;
    } else {
      file.p.forEach((p, n) => {
        this.byP.set(p, n);
      });
      this.cell = file.cells.map((id) => registries.cellIndex.get(id) ?? -1);
      this.city = file.cities.map((code) => registries.cityIndex.get(code) ?? -1);
    }
    this.country = new Int32Array(file.countries.length).fill(-1);
  }

  /** The carries of subscribers 0 to `subscribers` - 1, in order, as the native engine takes them. */
  columns(subscribers: number, pseudoOf: (sub: number) => string): CarryColumns {
    // (No carry grows when taken: room for the file's, once.)
    const w = new GrowableColumns(1);
    w.room(this.file.ints.length, this.file.floats.length);
    if (this.file.p.length > 0)
      for (let sub = 0; sub < subscribers; sub++) this.append(w, sub, this.bySub ? '' : pseudoOf(sub));
    return { ints: w.ints.subarray(0, w.ni), floats: w.floats.subarray(0, w.nf) };
  }

  /** Scratch for `carry` (its carry is copied out of it). */
  private readonly one = new GrowableColumns(64);

  /** One subscriber's carry as the TypeScript engine takes it, or null. */
  carry(sub: number, p: string): Carry | null {
    const w = this.one;
    w.ni = 0;
    w.nf = 0;
    this.append(w, sub, p);
    return w.ni
      ? carriesOfColumns({ ints: w.ints.subarray(0, w.ni), floats: w.floats.subarray(0, w.nf) })[0]![1]
      : null;
  }

  /** Appends the carry of `sub`, whose pseudonym is `p` (unused for a file of the run's registries), if any. */
  private append(w: GrowableColumns, sub: number, p: string): void {
    const n = this.bySub ? (sub < this.bySub.length ? this.bySub[sub]! : -1) : (this.byP.get(p) ?? -1);
    if (n < 0) return;
    const { file, cell, city, country } = this;
    const { ints, floats } = file;
    let i = file.at[n]!;
    let f = file.fat[n]!;
    const st = ints[i + 1]!;
    const state = st === ABROAD || st === UNDECIDED ? st : city[st]!;
    if (st !== ABROAD && st !== UNDECIDED && state < 0) return;
    const epStart = ints[i + 2]!;
    const anchor = ints[i + 3]! >= 0 ? cell[ints[i + 3]!]! : -1;
    const nt = ints[i + 4]!;
    const ne = ints[i + 5]!;
    const nm = ints[i + 6]!;
    const nl = ints[i + 7]!;
    const ns = ints[i + 8]!;
    w.room(9 + nt + ne + nm + 3 * nl + 2 * Math.max(0, ns), 1 + nt + ne + nm);
    const I = w.ints;
    const F = w.floats;
    const head = w.ni;
    let o = head + 9;
    let of = w.nf;
    F[of++] = floats[f++]!;
    i += 9;
    let m = 0;
    for (let k = 0; k < nt; k++) {
      const x = ints[i + k]!;
      let idx: number;
      if (x < 0) {
        const c = -x - 1;
        if (country[c]! < 0) country[c] = this.countries.idx(file.countries[c]!);
        idx = -country[c]! - 1;
      } else {
        idx = cell[x]!;
        if (idx < 0) continue; // a cell gone
      }
      I[o + m] = idx;
      F[of + m] = floats[f + k]!;
      m++;
    }
    o += m;
    of += m;
    i += nt;
    f += nt;
    let e = 0;
    for (let k = 0; k < ne; k++) {
      const c = city[ints[i + k]!]!;
      if (c < 0) continue;
      I[o + e] = c;
      F[of + e] = floats[f + k]!;
      e++;
    }
    o += e;
    of += e;
    i += ne;
    f += ne;
    let mm = 0;
    for (let k = 0; k < nm; k++) {
      const c = city[ints[i + k]!]!;
      if (c < 0) continue;
      I[o + mm] = c;
      F[of + mm] = floats[f + k]!;
      mm++;
    }
    o += mm;
    of += mm;
    i += nm;
    let nl2 = 0;
    for (let k = 0; k < nl; k++) if (cell[ints[i + k]!]! >= 0 && city[ints[i + nl + k]!]! >= 0) nl2++;
    let l = 0;
    for (let k = 0; k < nl; k++) {
      const c = cell[ints[i + k]!]!;
      const y = city[ints[i + nl + k]!]!;
      if (c < 0 || y < 0) continue;
      I[o + l] = c;
      I[o + nl2 + l] = y;
      I[o + 2 * nl2 + l] = ints[i + 2 * nl + k]!;
      l++;
    }
    o += 3 * nl2;
    i += 3 * nl;
    let ns2 = ns;
    if (ns > 0) {
      ns2 = 0;
      for (let k = 0; k < ns; k++) if (city[ints[i + k]!]! >= 0) ns2++;
      let s = 0;
      for (let k = 0; k < ns; k++) {
        const c = city[ints[i + k]!]!;
        if (c < 0) continue;
        I[o + s] = c;
        I[o + ns2 + s] = ints[i + ns + k]!;
        s++;
      }
      o += 2 * ns2;
    }
    I[head] = sub;
    I[head + 1] = state;
    I[head + 2] = anchor >= 0 && m === nt ? epStart : -1;
    I[head + 3] = anchor;
    I[head + 4] = m;
    I[head + 5] = e;
    I[head + 6] = mm;
    I[head + 7] = nl2;
    I[head + 8] = ns2;
    w.ni = o;
    w.nf = of;
  }
}

/** The carries of CarryColumns as the TypeScript engine takes and gives them, with their subscribers. */
function carriesOfColumns(cols: CarryColumns): Array<[number, Carry]> {
  const r = new CarryReader(cols.ints, cols.floats);
  const out: Array<[number, Carry]> = [];
  for (let sub = r.peek(); sub >= 0; sub = r.peek()) out.push([sub, r.next()]);
  return out;
}

/** Carries of the TypeScript engine (or of a run of several shards) gathered as CarryColumns. */
export class CarryGather {
  private readonly w = new GrowableColumns(1 << 14);

  add(sub: number, c: Carry): void {
    const w = this.w;
    const all = c.seenCities.length === 1 && c.seenCities[0] === SEEN_ALL;
    const nl = c.learnCells.length;
    const ns = all ? 0 : c.seenCities.length;
    w.room(
      9 + c.t.length + c.epCities.length + c.memCities.length + 3 * nl + 2 * ns,
      1 + c.t.length + c.epCounts.length + c.memCounts.length,
    );
    const I = w.ints;
    const F = w.floats;
    let o = w.ni;
    I[o++] = sub;
    I[o++] = c.state;
    I[o++] = c.epStart;
    I[o++] = c.epAnchor;
    I[o++] = c.t.length;
    I[o++] = c.epCities.length;
    I[o++] = c.memCities.length;
    I[o++] = nl;
    I[o++] = all ? -1 : ns;
    for (const v of [c.place, c.epCities, c.memCities, c.learnCells, c.learnCities, c.learnCounts])
      for (let k = 0; k < v.length; k++) I[o++] = v[k]!;
    if (!all) {
      for (let k = 0; k < ns; k++) I[o++] = c.seenCities[k]!;
      for (let k = 0; k < ns; k++) I[o++] = c.seenCounts[k]!;
    }
    let of = w.nf;
    F[of++] = c.runStart;
    for (const v of [c.t, c.epCounts, c.memCounts]) for (let k = 0; k < v.length; k++) F[of++] = v[k]!;
    w.ni = o;
    w.nf = of;
  }

  columns(): CarryColumns {
    return { ints: this.w.ints.subarray(0, this.w.ni), floats: this.w.floats.subarray(0, this.w.nf) };
  }
}
