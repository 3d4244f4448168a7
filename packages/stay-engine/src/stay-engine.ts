// The stay engine: one subscriber's time-ordered records → the cities stayed in
// (>= 4 h) and countries visited, per Beijing day, with the open stay carried
// from one day to the next.
//
// Border cross-coverage makes a phone that does not move alternate between the
// cells of two neighbouring cities ("ping-pong"). Following HMM map-matching of
// cellular trajectories (Newson & Krumm 2009; Jiang et al. on oscillation in
// CDR trajectories), the true city is a hidden state: a record of a cell is
// strong evidence for the cell's own city and weak evidence for a neighbouring
// city the cell is known to cross-cover; changing city costs a transition
// penalty. Viterbi decoding keeps a stay unbroken through ping-pong and gives a
// neighbour city only to a sustained presence there.
//
// Before decoding, records are grouped into stationary episodes (stay-point
// detection, Li et al. 2008): a run of records whose cells all lie within a few
// kilometres of the episode's first cell. A phone that does not move cannot have
// changed city, so an episode that touches several cities is given the one with
// longest dwell over the whole episode, counted across days (the count is
// carried), so a resident at a border keeps their city even on a day when the
// neighbour's cell happened to serve them more.
import { type CellModel, KM_PER_DEG_LAT, MAX_COVER } from './cell-model.ts';

/** State of a roaming record: abroad (the country comes from the record itself). */
export const ABROAD = -1;
/** No state (no carried stay). */
const NONE = -2;
/** State of a stationary episode split too evenly between cities to tell which one the phone is in (yet). */
export const UNDECIDED = -3;

export interface EngineParams {
  /** A stay counts from this length (4 h). */
  minStayMs: number;
  /** Log-likelihood of a record of a neighbour's cell that cross-covers the true city. */
  crossCoverLog: number;
  /** Log-probability of changing city between two consecutive records. */
  switchLog: number;
  /** A stay's edge is put halfway to the next record of another place, but at most this far. */
  edgeCapMs: number;
  /**
   * Records of the open stay carried into the next day, at most: each is decoded again
   * with the next day's records. Older records of the open episode still count, as
   * counts by city. 8 keeps every simulated world exact (as 32 did, at a third less
   * of the engine's work: a day holds about 30 records, most of them carried).
   */
  carryMaxEvents: number;
  /** Records whose cells all lie within this distance of the episode's first cell are one stationary episode. */
  stationaryKm: number;
  /**
   * An episode touching several cities is given its leading city once that city's share of the episode's
   * dwell time reaches 0.5 + decisiveK / sqrt(hours observed) (clamped to [0.6, 0.9]), counting the subscriber's earlier contested time in those cities: the longer the
   * episode, the smaller the lead needed. Until then it lists no city on its own (later records settle it),
   * but it does not break a stay in one of its cities that surrounds it.
   */
  decisiveK: number;
  /** Log-likelihood of joining an unsettled episode's record to one of its cities. */
  undecidedJoinLog: number;
}

export const DEFAULT_PARAMS: EngineParams = {
  minStayMs: 4 * 3_600_000,
  crossCoverLog: Math.log(0.3),
  switchLog: -6,
  edgeCapMs: 30 * 60_000,
  carryMaxEvents: 8,
  stationaryKm: 5,
  decisiveK: 0.5,
  undecidedJoinLog: -0.05,
};

/** The stay open at the end of a day, carried into the next day's run. */
export interface Carry {
  t: Float64Array;
  place: Int32Array;
  /** State (city index or ABROAD) of the open stay. */
  state: number;
  /** Estimated start of the open stay (may lie days back). */
  runStart: number;
  /** Index in `t` where the stationary episode open at the day's end resumes, or -1 (none open). */
  epStart: number;
  /** Cell the open episode is anchored at. */
  epAnchor: number;
  /** Records of the open episode dropped from `t` (older than the carried ones), counted by city. */
  epCities: Int32Array;
  epCounts: Float64Array;
  /**
   * Contested time so far, by city: the dwell of every closed stationary episode that touched several
   * cities, summed per city over the subscriber's days (see settleEpisode).
   */
  memCities: Int32Array;
  memCounts: Float64Array;
  /**
   * Cells learnt to serve this subscriber from another city: a cell of B that cross-covers A, seen
   * between two records of A's interior cells (cells that do not cross-cover B) within BOUNCE_MS.
   * Per entry: the cell, the city it serves the subscriber in, and how many such bounces were seen.
   */
  learnCells: Int32Array;
  learnCities: Int32Array;
  learnCounts: Int32Array;
  /**
   * Cities the subscriber has records in at interior cells (cells that cross-cover no other city), and
   * how many; SEEN_ALL alone when there were more than SEEN_MAX cities (every city then counts as seen).
   */
  seenCities: Int32Array;
  seenCounts: Int32Array;
}

export interface DayOutput {
  /** City indices with a qualifying stay on this day. */
  cities: number[];
  /** Country indices with a roaming record on this day. */
  countries: number[];
  hadRecord: boolean;
}

const K = 1 + MAX_COVER;
const NO_CITIES = new Int32Array(0);
const NO_COUNTS = new Float64Array(0);

type CarryFields = Pick<Carry, 'state' | 'runStart' | 'epStart' | 'epAnchor'>;
interface Learnt {
  cells: Int32Array;
  cities: Int32Array;
  counts: Int32Array;
}

/** Most cities the contested-time memory keeps (a subscriber lives by a border or two, not more). */
const MEM_MAX = 8;
/** Most cells a subscriber's learnt cross-coverage keeps. */
const LEARN_MAX = 8;
/** A bounce: out to the other city's cell and back to interior cells within this time. */
const BOUNCE_MS = 2 * 3_600_000;
/** Bounces after which a cell is taken to serve the subscriber from the city it bounced in. */
const LEARN_BOUNCES = 2;
const NO_INTS = new Int32Array(0);
/** Most cities kept as seen through interior cells; beyond it every city counts as seen. */
const SEEN_MAX = 16;
/**
 * Records at a city's interior cells from which the subscriber counts as seen inside it: about a day and
 * a half of an ordinary phone's records, more than a day trip gives.
 */
const SEEN_RECORDS = 24;
export const SEEN_ALL = -1;
const SEEN_ALL_LIST = Int32Array.of(SEEN_ALL);
/**
 * The lead a contested episode's leading city needs when the subscriber was never seen inside it (only
 * through its cells that cross-cover the other city) while the other city was seen inside.
 */
const NEED_UNSEEN = 0.8;

/**
 * Room for one of the carries runDays passes between the days of a subscriber
 * without allocating. Two alternate: the carry a day returns must not
 * overwrite the one it was given.
 */
class CarrySlot {
  private t = new Float64Array(64);
  private place = new Int32Array(64);
  private readonly cities = new Int32Array(64);
  private readonly counts = new Float64Array(64);
  private readonly memCities = new Int32Array(MEM_MAX);
  private readonly memCounts = new Float64Array(MEM_MAX);
  private readonly learnCells = new Int32Array(LEARN_MAX);
  private readonly learnCities = new Int32Array(LEARN_MAX);
  private readonly learnCounts = new Int32Array(LEARN_MAX);
  private readonly seenCities = new Int32Array(SEEN_MAX);
  private readonly seenCounts = new Int32Array(SEEN_MAX);
  private readonly carry: Carry = {
    t: this.t,
    place: this.place,
    state: NONE,
    runStart: 0,
    epStart: -1,
    epAnchor: -1,
    epCities: NO_CITIES,
    epCounts: NO_COUNTS,
    memCities: NO_CITIES,
    memCounts: NO_COUNTS,
    learnCells: NO_INTS,
    learnCities: NO_INTS,
    learnCounts: NO_INTS,
    seenCities: NO_INTS,
    seenCounts: NO_INTS,
  };

  fill(
    t: Float64Array,
    place: Int32Array,
    cities: Int32Array,
    counts: Float64Array,
    memCities: Int32Array,
    memCounts: Float64Array,
    learn: Learnt,
    seen: Int32Array,
    seenCounts: Int32Array,
    fields: CarryFields,
  ): Carry {
    const k = t.length;
    if (this.t.length < k) {
      this.t = new Float64Array(Math.max(k, 2 * this.t.length));
      this.place = new Int32Array(this.t.length);
    }
    this.t.set(t);
    this.place.set(place);
    this.cities.set(cities);
    this.counts.set(counts);
    this.memCities.set(memCities);
    this.memCounts.set(memCounts);
    this.learnCells.set(learn.cells);
    this.learnCities.set(learn.cities);
    this.learnCounts.set(learn.counts);
    this.seenCities.set(seen);
    this.seenCounts.set(seenCounts);
    const c = Object.assign(this.carry, fields);
    c.t = this.t.subarray(0, k);
    c.place = this.place.subarray(0, k);
    c.epCities = this.cities.subarray(0, cities.length);
    c.epCounts = this.counts.subarray(0, counts.length);
    c.memCities = this.memCities.subarray(0, memCities.length);
    c.memCounts = this.memCounts.subarray(0, memCounts.length);
    c.learnCells = this.learnCells.subarray(0, learn.cells.length);
    c.learnCities = this.learnCities.subarray(0, learn.cells.length);
    c.learnCounts = this.learnCounts.subarray(0, learn.cells.length);
    c.seenCities = this.seenCities.subarray(0, seen.length);
    c.seenCounts = this.seenCounts.subarray(0, seenCounts.length);
    return c;
  }
}

/** A record stands for at most this much time on its cell when an episode's cities are weighed. */
const DWELL_CAP_MS = 2 * 3_600_000;

export class StayEngine {
  private cap = 0;
  /** Whether a record of the day being decoded may have more than one candidate (buildCandidates, settleEpisode). */
  private ambiguous = false;
  private et = new Float64Array(0);
  private ep = new Int32Array(0);
  private cand = new Int32Array(0);
  private candN = new Uint8Array(0);
  private score = new Float64Array(0);
  private back = new Int8Array(0);
  private state = new Int32Array(0);
  /** Per record: log-likelihood of its candidates after the first. */
  private alt = new Float64Array(0);
  // The stationary episode being built: its cities and their record counts.
  private readonly epC = new Int32Array(64);
  private readonly epW = new Float64Array(64);
  private epN = 0;
  // Contested time of the subscriber so far (Carry.memCities/memCounts), read from the carry of each day.
  private readonly memC = new Int32Array(MEM_MAX);
  private readonly memW = new Float64Array(MEM_MAX);
  private memN = 0;
  // Learnt cross-coverage of the subscriber (Carry.learnCells/...), and each record's city as the episodes see it.
  private readonly lrnP = new Int32Array(LEARN_MAX);
  private readonly lrnC = new Int32Array(LEARN_MAX);
  private readonly lrnK = new Int32Array(LEARN_MAX);
  private lrnN = 0;
  private effCity = new Int32Array(0);
  // Cities seen through interior cells (Carry.seenCities); seenN === SEEN_MAX + 1 when every city counts.
  private readonly seenC = new Int32Array(SEEN_MAX);
  private readonly seenK = new Int32Array(SEEN_MAX);
  private seenN = 0;
  // The episode open at the end of the last decode (for the carry).
  private openStart = -1;
  private openAnchor = -1;
  private openPriorC: Int32Array = new Int32Array(0);
  private openPriorW: Float64Array = new Float64Array(0);
  // Carries passed between the days of one runDays call (see runDay's `transient`).
  private readonly slots = [new CarrySlot(), new CarrySlot()];
  private slotAt = 0;

  constructor(
    private readonly model: CellModel,
    private readonly params: EngineParams = DEFAULT_PARAMS,
  ) {}

  private ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 256);
    this.et = new Float64Array(cap);
    this.ep = new Int32Array(cap);
    this.cand = new Int32Array(cap * K);
    this.candN = new Uint8Array(cap);
    this.score = new Float64Array(cap * K);
    this.back = new Int8Array(cap * K);
    this.state = new Int32Array(cap);
    this.alt = new Float64Array(cap);
    this.effCity = new Int32Array(cap);
    this.cap = cap;
  }

  /**
   * Runs consecutive days for one subscriber. `t`/`place` hold its records in
   * [from, to), sorted by time, duplicates removed; place >= 0 is a cell index,
   * place < 0 a roaming record in country -place-1. Fills `out[d]` for each of
   * `dayCount` days starting at `firstDayStart`, and returns the stay still open
   * at the end of the last day (or null). With `transient`, that carry lives in
   * the engine's own buffers (see runDay): for a caller that uses it before the
   * engine's next run and keeps nothing of it.
   */
  runDays(
    t: Float64Array,
    place: Int32Array,
    from: number,
    to: number,
    firstDayStart: number,
    dayCount: number,
    carryIn: Carry | null,
    out: DayOutput[],
    transient = false,
  ): Carry | null {
    let carry = carryIn;
    let i = from;
    for (let d = 0; d < dayCount; d++) {
      const dayStart = firstDayStart + d * 86_400_000;
      const dayEnd = dayStart + 86_400_000;
      while (i < to && t[i]! < dayStart) i++; // records before the first day are not this run's
      let j = i;
      while (j < to && t[j]! < dayEnd) j++;
      carry = this.runDay(t, place, i, j, dayStart, dayEnd, carry, out[d]!, transient || d < dayCount - 1);
      i = j;
    }
    return carry;
  }

  /**
   * runDays for a subscriber whose records of these days, with no carry in, all
   * lie in cells of one city: then every record decodes to that city (its own
   * city is each record's best candidate, and no episode touches another), the
   * days form one stay from the first record on, and the answers follow without
   * decoding. Returns false, touching nothing, when the records do not qualify;
   * the carry out is not made (for a caller that does not keep it).
   */
  runDaysOneCity(
    t: Float64Array,
    place: Int32Array,
    from: number,
    to: number,
    firstDayStart: number,
    dayCount: number,
    out: DayOutput[],
  ): boolean {
    const { minStayMs, edgeCapMs, crossCoverLog, switchLog } = this.params;
    // With a bonus for a neighbour's city or for switching, the record's own city need not win.
    if (crossCoverLog > 0 || switchLog > 0) return false;
    const { cellCity } = this.model;
    const lastEnd = firstDayStart + dayCount * 86_400_000;
    let i = from;
    while (i < to && t[i]! < firstDayStart) i++; // records before the first day are not this run's
    const begin = i;
    let end = i;
    while (end < to && t[end]! < lastEnd) end++;
    const city = begin < end && place[begin]! >= 0 ? cellCity[place[begin]!]! : -1;
    for (let k = begin; k < end; k++) {
      const p = place[k]!;
      if (p < 0 || cellCity[p] !== city) return false;
    }
    const runStart = begin < end ? t[begin]! : 0;
    for (let d = 0; d < dayCount; d++) {
      const o = out[d]!;
      o.cities.length = 0;
      o.countries.length = 0;
      const dayStart = firstDayStart + d * 86_400_000;
      const dayEnd = dayStart + 86_400_000;
      const first = i;
      while (i < end && t[i]! < dayEnd) i++;
      o.hadRecord = i > first;
      if (i === begin) continue; // no record yet: nothing open
      // The open stay: from the first record to the last one so far, its edge put halfway to midnight, capped.
      const last = t[i - 1]!;
      const stayEnd = last + Math.min(Math.max(0, dayEnd - last) / 2, edgeCapMs);
      if (stayEnd > dayStart && Math.min(stayEnd, dayEnd) - runStart >= minStayMs) o.cities.push(city);
    }
    return true;
  }

  /**
   * One day: decode carried + today's records, list qualifying stays, carry the
   * open one. With `transient`, the carry returned lives in the engine's own
   * buffers and is only good for the next runDay of this engine (runDays passes
   * it between the days of one subscriber without allocating).
   */
  runDay(
    t: Float64Array,
    place: Int32Array,
    from: number,
    to: number,
    dayStart: number,
    dayEnd: number,
    carry: Carry | null,
    out: DayOutput,
    transient = false,
  ): Carry | null {
    out.cities.length = 0;
    out.countries.length = 0;
    out.hadRecord = to > from;
    const k = carry ? carry.t.length : 0;
    const n = k + (to - from);
    if (n === 0) return carry;
    this.ensure(n);
    this.memN = 0;
    if (carry) {
      for (let m = 0; m < carry.memCities.length; m++) {
        this.memC[m] = carry.memCities[m]!;
        this.memW[m] = carry.memCounts[m]!;
      }
      this.memN = carry.memCities.length;
    }
    this.lrnN = 0;
    if (carry) {
      for (let m = 0; m < carry.learnCells.length; m++) {
        this.lrnP[m] = carry.learnCells[m]!;
        this.lrnC[m] = carry.learnCities[m]!;
        this.lrnK[m] = carry.learnCounts[m]!;
      }
      this.lrnN = carry.learnCells.length;
    }
    this.seenN = 0;
    if (carry) {
      const sc = carry.seenCities;
      if (sc.length === 1 && sc[0] === SEEN_ALL) this.seenN = SEEN_MAX + 1;
      else {
        this.seenC.set(sc);
        this.seenK.set(carry.seenCounts);
        this.seenN = sc.length;
      }
    }
    const { et, ep } = this;
    if (carry) {
      et.set(carry.t, 0);
      ep.set(carry.place, 0);
    }
    for (let i = from; i < to; i++) {
      et[k + i - from] = t[i]!;
      const p = place[i]!;
      ep[k + i - from] = p;
      if (p < 0) {
        const c = -p - 1;
        if (!out.countries.includes(c)) out.countries.push(c);
      }
    }
    this.buildCandidates(n, k);
    this.stationaryEpisodes(n, carry, dayEnd);
    this.decode(n, carry ? carry.state : NONE);
    return this.collectStays(n, dayStart, dayEnd, carry, out, transient);
  }

  /** Whether cell p may cross-cover city c (cell-model.ts). */
  private covers(p: number, c: number): boolean {
    const cb = p * MAX_COVER;
    const { coverCities } = this.model;
    for (let q = 0; q < MAX_COVER; q++) {
      const x = coverCities[cb + q]!;
      if (x < 0) return false;
      if (x === c) return true;
    }
    return false;
  }

  private markSeen(city: number): void {
    if (this.seenN > SEEN_MAX) return;
    for (let m = 0; m < this.seenN; m++) {
      if (this.seenC[m] === city) {
        this.seenK[m]!++;
        return;
      }
    }
    if (this.seenN === SEEN_MAX) this.seenN = SEEN_MAX + 1;
    else {
      this.seenC[this.seenN] = city;
      this.seenK[this.seenN++] = 1;
    }
  }

  private seen(city: number): boolean {
    if (this.seenN > SEEN_MAX) return true;
    for (let m = 0; m < this.seenN; m++) if (this.seenC[m] === city) return this.seenK[m]! >= SEEN_RECORDS;
    return false;
  }

  /** The city cell p is learnt to serve the subscriber from, or -1. */
  private learnt(p: number): number {
    for (let m = 0; m < this.lrnN; m++)
      if (this.lrnP[m] === p) return this.lrnK[m]! >= LEARN_BOUNCES ? this.lrnC[m]! : -1;
    return -1;
  }

  /**
   * Counts a bounce in records i-2, i-1, i (within BOUNCE_MS) of two cities X, Y, X: the phone went
   * nowhere, so one side's cells serve it across the border. Either Y's cell cross-covers X and X's two
   * cells are interior to Y (they do not cross-cover it: a phone they serve cannot be in Y), or the other
   * way round: X's cells cross-cover Y and Y's cell is interior to X.
   */
  private countBounce(i: number): void {
    const { ep, et } = this;
    const p0 = ep[i - 2]!;
    const p1 = ep[i - 1]!;
    const p2 = ep[i]!;
    if (p0 < 0 || p1 < 0 || p2 < 0 || et[i]! - et[i - 2]! > BOUNCE_MS) return;
    const { cellCity } = this.model;
    const x = cellCity[p0]!;
    const y = cellCity[p1]!;
    if (cellCity[p2] !== x || y === x) return;
    if (this.covers(p1, x) && !this.covers(p0, y) && !this.covers(p2, y)) this.learn(p1, x);
    else if (this.covers(p0, y) && this.covers(p2, y) && !this.covers(p1, x)) {
      this.learn(p0, y);
      if (p2 !== p0) this.learn(p2, y);
    }
  }

  /** One more bounce of cell p serving the subscriber from city c. */
  private learn(p: number, c: number): void {
    let m = 0;
    while (m < this.lrnN && this.lrnP[m] !== p) m++;
    if (m === this.lrnN) {
      if (this.lrnN === LEARN_MAX) return;
      this.lrnP[m] = p;
      this.lrnC[m] = c;
      this.lrnK[m] = 0;
      this.lrnN++;
    }
    if (this.lrnC[m] === c) this.lrnK[m]!++;
  }

  /**
   * Candidate states of each record: its cell's city, then the cities the cell cross-covers; a cell learnt
   * to serve the subscriber from another city has that city first. Bounces are counted as the records come
   * (those of the carried records, the first k, were counted on their own day).
   */
  private buildCandidates(n: number, k: number): void {
    const { ep, cand, candN, model, alt, effCity } = this;
    const { cellCity, coverCities } = model;
    alt.fill(this.params.crossCoverLog, 0, n);
    let ambiguous = false;
    for (let i = 0; i < n; i++) {
      const p = ep[i]!;
      const base = i * K;
      if (i >= 2 && i >= k) this.countBounce(i);
      if (p < 0) {
        cand[base] = ABROAD;
        candN[i] = 1;
        effCity[i] = ABROAD;
        continue;
      }
      const own = cellCity[p]!;
      if (coverCities[p * MAX_COVER]! < 0) this.markSeen(own);
      const first = this.lrnN > 0 ? this.learnt(p) : -1;
      const top = first >= 0 ? first : own;
      cand[base] = top;
      effCity[i] = top;
      let m = 1;
      if (first >= 0) cand[base + m++] = own;
      const cb = p * MAX_COVER;
      for (let c = 0; c < MAX_COVER; c++) {
        const city = coverCities[cb + c]!;
        if (city < 0) break;
        if (city !== top) cand[base + m++] = city;
      }
      candN[i] = m;
      if (m > 1) ambiguous = true;
    }
    this.ambiguous = ambiguous;
  }

  private epAdd(city: number, w: number): void {
    for (let k = 0; k < this.epN; k++) {
      if (this.epC[k] === city) {
        this.epW[k]! += w;
        return;
      }
    }
    if (this.epN < this.epC.length) {
      this.epC[this.epN] = city;
      this.epW[this.epN++] = w;
    }
  }

  private memOf(city: number): number {
    for (let m = 0; m < this.memN; m++) if (this.memC[m] === city) return this.memW[m]!;
    return 0;
  }

  /** Adds a closed contested episode's dwell to the subscriber's memory. */
  private remember(): void {
    for (let k = 0; k < this.epN; k++) {
      const city = this.epC[k]!;
      let m = 0;
      while (m < this.memN && this.memC[m] !== city) m++;
      if (m === this.memN) {
        if (this.memN === MEM_MAX) continue;
        this.memC[m] = city;
        this.memW[m] = 0;
        this.memN++;
      }
      this.memW[m]! += this.epW[k]!;
    }
  }

  /**
   * An episode seen in one city only, at a cell that cross-covers a city it was contested with before
   * (the neighbour's cell happened to serve every record of it), is the same contested place: its
   * remembered cities join it, with no time of their own, so the memory weighs it as it weighs the others.
   */
  private joinRemembered(a: number): void {
    const p = this.ep[a]!;
    const city = this.epC[0]!;
    if (p < 0 || this.effCity[a] !== city || this.memOf(city) === 0) return;
    for (let m = 0; m < this.memN; m++) {
      const other = this.memC[m]!;
      if (other !== city && this.covers(p, other)) this.epAdd(other, 0);
    }
  }

  /**
   * Gives every record of a stationary episode [a, b) that touches several cities the episode's main city.
   * The episode is weighed together with the subscriber's earlier contested time in the same cities (the
   * nights at the same border, the working days in the same border zone), so one night on which the
   * neighbour's cell happened to serve more does not outweigh the weeks before it. A closed episode
   * (`closed`) is then added to that memory; the one still open at the day's end is added when it closes.
   */
  private settleEpisode(a: number, b: number, closed = true): void {
    if (this.epN === 1 && this.memN > 1) this.joinRemembered(a);
    if (this.epN < 2) return;
    let best = 0;
    let bestW = this.epW[0]! + this.memOf(this.epC[0]!);
    let total = bestW;
    for (let k = 1; k < this.epN; k++) {
      const w = this.epW[k]! + this.memOf(this.epC[k]!);
      total += w;
      if (w > bestW) {
        best = k;
        bestW = w;
      }
    }
    if (closed) this.remember();
    const hours = total / 3_600_000;
    let need = Math.min(0.9, Math.max(0.6, 0.5 + this.params.decisiveK / Math.sqrt(Math.max(hours, 1e-3))));
    // A city known only through its cells that cross-cover the other one, against a city seen inside:
    // the phone is most likely on the side it is seen inside of (the "interior evidence").
    if (need < NEED_UNSEEN && !this.seen(this.epC[best]!)) {
      for (let k = 0; k < this.epN; k++) {
        if (k !== best && this.seen(this.epC[k]!)) {
          need = NEED_UNSEEN;
          break;
        }
      }
    }
    if (bestW >= need * total) {
      const city = this.epC[best]!;
      for (let i = a; i < b; i++) {
        if (this.ep[i]! < 0) continue;
        this.cand[i * K] = city;
        this.candN[i] = 1;
      }
      return;
    }
    const m = Math.min(this.epN, K - 1);
    this.ambiguous = true;
    for (let i = a; i < b; i++) {
      if (this.ep[i]! < 0) continue;
      const base = i * K;
      this.cand[base] = UNDECIDED;
      for (let k = 0; k < m; k++) this.cand[base + 1 + k] = this.epC[k]!;
      this.candN[i] = 1 + m;
      this.alt[i] = this.params.undecidedJoinLog;
    }
  }

  /** Weight of record i in an episode: the time the phone stayed on its cell (until the next record), capped. */
  private dwell(i: number, n: number, dayEnd: number): number {
    const next = i + 1 < n ? this.et[i + 1]! : Math.max(dayEnd, this.et[i]!);
    return Math.min(next - this.et[i]!, DWELL_CAP_MS) + 1;
  }

  private stationaryEpisodes(n: number, carry: Carry | null, dayEnd: number): void {
    const { ep, model } = this;
    const { cellX, cellY, cellKmPerDegLon } = model;
    const r2 = this.params.stationaryKm * this.params.stationaryKm;
    const resumeAt = carry && carry.epStart >= 0 ? carry.epStart : -1;
    let a = 0;
    let anchor = -1;
    this.epN = 0;
    let priorC: Int32Array = NO_CITIES;
    let priorW: Float64Array = NO_COUNTS;
    // An episode begins at record a, anchored at a cell, its city counts starting
    // from the prior ones (a carried episode's). No closure for this: one per call
    // costs more than the loop on short days (tsx keeps function names).
    for (let i = 0; i < n; i++) {
      const p = ep[i]!;
      if (i === resumeAt && carry!.epAnchor >= 0) {
        if (anchor >= 0) this.settleEpisode(a, i);
        a = i;
        anchor = carry!.epAnchor;
        priorC = carry!.epCities;
        priorW = carry!.epCounts;
        this.epN = 0;
        for (let k = 0; k < priorC.length; k++) this.epAdd(priorC[k]!, priorW[k]!);
      }
      if (p < 0) {
        if (anchor >= 0) this.settleEpisode(a, i);
        anchor = -1;
        this.epN = 0;
        continue;
      }
      if (anchor >= 0) {
        const dx = (cellX[p]! - cellX[anchor]!) * cellKmPerDegLon[anchor]!;
        const dy = (cellY[p]! - cellY[anchor]!) * KM_PER_DEG_LAT;
        if (dx * dx + dy * dy > r2) {
          this.settleEpisode(a, i);
          anchor = -1;
        }
      }
      if (anchor < 0) {
        a = i;
        anchor = p;
        priorC = NO_CITIES;
        priorW = NO_COUNTS;
        this.epN = 0;
      }
      this.epAdd(this.effCity[i]!, this.dwell(i, n, dayEnd));
    }
    if (anchor >= 0) this.settleEpisode(a, n, false);
    this.openStart = anchor >= 0 ? a : -1;
    this.openAnchor = anchor;
    this.openPriorC = priorC;
    this.openPriorW = priorW;
  }

  /** Viterbi over the candidate states of each record; result in this.state[0..n). */
  private decode(n: number, priorState: number): void {
    const { cand, candN, score, back, state, params, alt } = this;
    if (!this.ambiguous) {
      // One candidate per record (no cell of the day cross-covers, no episode is left unsettled): the only
      // path is the records' own cities.
      for (let i = 0; i < n; i++) state[i] = cand[i * K]!;
      return;
    }
    const sw = params.switchLog;
    for (let i = 0; i < n; i++) {
      const base = i * K;
      const m = candN[i]!;
      const cc = alt[i]!;
      for (let j = 0; j < m; j++) {
        const s = cand[base + j]!;
        const emit = j === 0 ? 0 : cc;
        if (i === 0) {
          score[base + j] = emit + (priorState === NONE || s === priorState ? 0 : sw);
          back[base + j] = -1;
          continue;
        }
        const pb = base - K;
        const pm = candN[i - 1]!;
        let best = Number.NEGATIVE_INFINITY;
        let arg = 0;
        for (let q = 0; q < pm; q++) {
          const v = score[pb + q]! + (cand[pb + q] === s ? 0 : sw);
          if (v > best) {
            best = v;
            arg = q;
          }
        }
        score[base + j] = best + emit;
        back[base + j] = arg;
      }
    }
    // Backtrack from the best final state; ties go to the earlier candidate (the record's own city).
    const lb = (n - 1) * K;
    let arg = 0;
    for (let j = 1; j < candN[n - 1]!; j++) if (score[lb + j]! > score[lb + arg]!) arg = j;
    for (let i = n - 1; i >= 0; i--) {
      state[i] = cand[i * K + arg]!;
      arg = back[i * K + arg]!;
    }
  }

  private collectStays(
    n: number,
    dayStart: number,
    dayEnd: number,
    carry: Carry | null,
    out: DayOutput,
    transient: boolean,
  ): Carry | null {
    const { et, ep, state, params } = this;
    const cap = params.edgeCapMs;
    let a = 0;
    let lastStart = 0;
    let lastA = 0;
    while (a < n) {
      const s = state[a]!;
      let b = a;
      while (b + 1 < n && state[b + 1] === s) b++;
      let start: number;
      if (a === 0) start = carry && carry.state === s ? carry.runStart : et[0]!;
      else start = et[a]! - Math.min((et[a]! - et[a - 1]!) / 2, cap);
      const next = b + 1 < n ? et[b + 1]! : dayEnd;
      const end = et[b]! + Math.min(Math.max(0, next - et[b]!) / 2, cap);
      if (s >= 0 && end > dayStart && start < dayEnd && Math.min(end, dayEnd) - start >= params.minStayMs) {
        if (!out.cities.includes(s)) out.cities.push(s);
      }
      lastStart = start;
      lastA = a;
      a = b + 1;
    }
    // Carry the open stay's records and those of the open stationary episode, at most carryMaxEvents;
    // the episode's records that do not fit are kept as counts by city.
    const open = this.openStart;
    const from = Math.max(open >= 0 ? Math.min(lastA, open) : lastA, n - params.carryMaxEvents);
    let epStart = -1;
    if (open >= 0) {
      this.epN = 0;
      for (let k = 0; k < this.openPriorC.length; k++) this.epAdd(this.openPriorC[k]!, this.openPriorW[k]!);
      for (let i = open; i < from; i++) this.epAdd(this.effCity[i]!, this.dwell(i, n, dayEnd));
      epStart = Math.max(0, open - from);
    }
    const t = et.subarray(from, n);
    const place = ep.subarray(from, n);
    const cities = open >= 0 ? this.epC.subarray(0, this.epN) : NO_CITIES;
    const counts = open >= 0 ? this.epW.subarray(0, this.epN) : NO_COUNTS;
    const fields: CarryFields = { state: state[n - 1]!, runStart: lastStart, epStart, epAnchor: this.openAnchor };
    const memCities = this.memC.subarray(0, this.memN);
    const memCounts = this.memW.subarray(0, this.memN);
    const learn: Learnt = {
      cells: this.lrnP.subarray(0, this.lrnN),
      cities: this.lrnC.subarray(0, this.lrnN),
      counts: this.lrnK.subarray(0, this.lrnN),
    };
    const all = this.seenN > SEEN_MAX;
    const seen = all ? SEEN_ALL_LIST : this.seenC.subarray(0, this.seenN);
    const seenCounts = all ? NO_INTS : this.seenK.subarray(0, this.seenN);
    if (transient) {
      this.slotAt ^= 1;
      return this.slots[this.slotAt]!.fill(
        t,
        place,
        cities,
        counts,
        memCities,
        memCounts,
        learn,
        seen,
        seenCounts,
        fields,
      );
    }
    return {
      ...fields,
      t: t.slice(),
      place: place.slice(),
      epCities: cities.slice(),
      epCounts: counts.slice(),
      memCities: memCities.slice(),
      memCounts: memCounts.slice(),
      learnCells: learn.cells.slice(),
      learnCities: learn.cities.slice(),
      learnCounts: learn.counts.slice(),
      seenCities: seen.slice(),
      seenCounts: seenCounts.slice(),
    };
  }
}
