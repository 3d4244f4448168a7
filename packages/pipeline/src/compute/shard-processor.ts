// Turns one shard's records into per-subscriber day results. Records are read
// in about time order across all subscribers (the scan's chunks, earliest
// first), so they are grouped by subscriber rather than sorted: a two-pass
// radix partition (buckets of subscribers, then subscribers within a
// cache-sized bucket) keeps memory access sequential and the order. Each group
// is put in order (most already are), de-duplicated, and run through the stay
// engine.
import {
  type Carry,
  type CellModel,
  type DayOutput,
  type EngineParams,
  type ShardColumns,
  StayEngine,
} from '@itinerary-card/stay-engine';

/** A shard's records as columns with their reading order: the shape the native engine takes too. */
export type ShardInput = ShardColumns;

export interface DaysSpec {
  firstDayStart: number;
  dayCount: number;
  /**
   * False when the sink does not use the carry out (compute, which runs every day of
   * its window at once): a subscriber seen in one city only is then answered without
   * decoding (StayEngine.runDaysOneCity), and the sink gets a null carry.
   */
  carryOut?: boolean;
}

export interface ShardResult {
  duplicates: number;
  subscribersWithRecords: number;
}

/**
 * Called once per subscriber with records or a carry. `days` and `carry` are reused between
 * calls: copy what you keep (the carry of every subscriber would otherwise cost four typed arrays).
 */
export type SubscriberSink = (sub: number, days: readonly DayOutput[], carry: Carry | null) => void;

/** How subscribers are spread over buckets: bucket = sub & mask, position in bucket = sub >>> bits. */
export function bucketBits(subscriberCount: number): number {
  // About 256 subscribers (tens of thousands of records) per bucket: a bucket's arrays stay in cache.
  let bits = 0;
  while (bits < 12 && subscriberCount >>> (bits + 8) > 0) bits++;
  return bits;
}

/** Whether record a sorts before record b by (t, place, ev). */
function before(t: Float64Array, place: Int32Array, ev: Int32Array, a: number, b: number): boolean {
  return t[a]! < t[b]! || (t[a] === t[b] && (place[a]! < place[b]! || (place[a] === place[b] && ev[a]! < ev[b]!)));
}

/** Up to this many records out of order, moving each into place beats sorting the group. */
const FEW_DESCENTS = 8;

/** Orders records [0, m) by (t, place, ev) in place; fast when only a few are out of order. */
export function insertionSort(t: Float64Array, place: Int32Array, ev: Int32Array, m: number): void {
  for (let k = 1; k < m; k++) {
    if (!before(t, place, ev, k, k - 1)) continue;
    const tk = t[k]!;
    const pk = place[k]!;
    const ek = ev[k]!;
    let j = k - 1;
    while (j >= 0 && (t[j]! > tk || (t[j] === tk && (place[j]! > pk || (place[j] === pk && ev[j]! > ek))))) {
      t[j + 1] = t[j]!;
      place[j + 1] = place[j]!;
      ev[j + 1] = ev[j]!;
      j--;
    }
    t[j + 1] = tk;
    place[j + 1] = pk;
    ev[j + 1] = ek;
  }
}

const IDX_BITS = 22;
const IDX_SPAN = 2 ** IDX_BITS;
/** Keys hold (t - min t) above the index bits: exact in a double while the span is under 2^31 ms (24 days). */
const MAX_KEY_SPAN_MS = 2 ** (52 - IDX_BITS);

/**
 * Puts one subscriber's records in (t, place, ev) order. Each record becomes
 * one number, its time above its position, sorted natively (no comparator
 * call per comparison); the few runs of equal times are then ordered by place
 * and event, so the order never depends on the input's.
 */
export class RecordSorter {
  private keys = new Float64Array(1024);
  private st = new Float64Array(1024);
  private sp = new Int32Array(1024);
  private se = new Int32Array(1024);

  sort(t: Float64Array, place: Int32Array, ev: Int32Array, m: number): void {
    if (this.keys.length < m) {
      const cap = Math.max(m, this.keys.length * 2);
      this.keys = new Float64Array(cap);
      this.st = new Float64Array(cap);
      this.sp = new Int32Array(cap);
      this.se = new Int32Array(cap);
    }
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < m; k++) {
      const x = t[k]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const { keys, st, sp, se } = this;
    if (m < IDX_SPAN && hi - lo < MAX_KEY_SPAN_MS && Number.isInteger(lo) && Number.isInteger(hi)) {
      for (let k = 0; k < m; k++) keys[k] = (t[k]! - lo) * IDX_SPAN + k;
      const view = keys.subarray(0, m);
      view.sort();
      for (let k = 0; k < m; k++) {
        const key = view[k]!;
        const q = key - Math.floor(key / IDX_SPAN) * IDX_SPAN;
        st[k] = t[q]!;
        sp[k] = place[q]!;
        se[k] = ev[q]!;
      }
    } else {
      // Fractional or far-apart times (not from this pipeline's scan): sort through an index array.
      const idx = Array.from({ length: m }, (_, k) => k);
      idx.sort((x, y) => t[x]! - t[y]! || place[x]! - place[y]! || ev[x]! - ev[y]!);
      for (let k = 0; k < m; k++) {
        const q = idx[k]!;
        st[k] = t[q]!;
        sp[k] = place[q]!;
        se[k] = ev[q]!;
      }
    }
    // Runs of equal times: insertion sort by (place, ev); runs are a few records long.
    for (let k = 1; k < m; k++) {
      if (st[k] !== st[k - 1]) continue;
      const pk = sp[k]!;
      const ek = se[k]!;
      let j = k - 1;
      while (j >= 0 && st[j] === st[k] && (sp[j]! > pk || (sp[j] === pk && se[j]! > ek))) {
        sp[j + 1] = sp[j]!;
        se[j + 1] = se[j]!;
        j--;
      }
      sp[j + 1] = pk;
      se[j + 1] = ek;
    }
    t.set(st.subarray(0, m));
    place.set(sp.subarray(0, m));
    ev.set(se.subarray(0, m));
  }
}

/**
 * Processes the buckets b with b % stride == offset (all of them by default), so
 * several worker threads can share one shard.
 */
export function processShard(
  input: ShardInput,
  subscriberCount: number,
  model: CellModel,
  spec: DaysSpec,
  sink: SubscriberSink,
  params?: EngineParams,
  carries?: (sub: number) => Carry | null,
  part: { offset: number; stride: number } = { offset: 0, stride: 1 },
): ShardResult {
  const n = input.length;
  const bits = bucketBits(subscriberCount);
  const nb = 1 << bits;
  const mask = nb - 1;
  const perBucket = Math.ceil(subscriberCount / nb) + 1;

  // Pass 1: scatter this part's records into bucket order.
  const bStart = new Int32Array(nb + 1);
  for (let i = 0; i < n; i++) {
    const b = input.sub[i]! & mask;
    if (b % part.stride === part.offset) bStart[b + 1]!++;
  }
  for (let b = 0; b < nb; b++) bStart[b + 1]! += bStart[b]!;
  const total = bStart[nb]!;
  const fill = bStart.slice(0, nb);
  const bs = new Int32Array(total);
  const bt = new Float64Array(total);
  const bp = new Int32Array(total);
  const be = new Int32Array(total);
  const runs = input.runs ?? Int32Array.of(0, n);
  for (let r = 0; r < runs.length; r += 2) {
    for (let i = runs[r]!, end = runs[r + 1]!; i < end; i++) {
      const s = input.sub[i]!;
      const b = s & mask;
      if (b % part.stride !== part.offset) continue;
      const k = fill[b]!++;
      bs[k] = s;
      bt[k] = input.t[i]!;
      bp[k] = input.place[i]!;
      be[k] = input.ev[i]!;
    }
  }

  const engine = new StayEngine(model, params);
  const days: DayOutput[] = Array.from({ length: spec.dayCount }, () => ({
    cities: [],
    countries: [],
    hadRecord: false,
  }));
  // One bucket's records grouped by subscriber, each group's records in a row.
  let gt = new Float64Array(1024);
  let gp = new Int32Array(1024);
  let ge = new Int32Array(1024);
  const sorter = new RecordSorter();
  const sStart = new Int32Array(perBucket + 1);
  const sFill = new Int32Array(perBucket);
  let duplicates = 0;
  let withRecords = 0;
  const oneCity = spec.carryOut === false && !carries;
  for (let b = part.offset; b < nb; b += part.stride) {
    // Pass 2: scatter the bucket's records into subscriber order (stable, so file order is
    // kept): reads in a row, writes to a few hundred places that each move forward.
    const a0 = bStart[b]!;
    const a1 = bStart[b + 1]!;
    sStart.fill(0);
    for (let k = a0; k < a1; k++) sStart[(bs[k]! >>> bits) + 1]!++;
    for (let j = 0; j < perBucket; j++) sStart[j + 1]! += sStart[j]!;
    if (gt.length < a1 - a0) {
      const cap = Math.max(a1 - a0, gt.length * 2);
      gt = new Float64Array(cap);
      gp = new Int32Array(cap);
      ge = new Int32Array(cap);
    }
    sFill.set(sStart.subarray(0, perBucket));
    for (let k = a0; k < a1; k++) {
      const q = sFill[bs[k]! >>> bits]!++;
      gt[q] = bt[k]!;
      gp[q] = bp[k]!;
      ge[q] = be[k]!;
    }

    for (let j = 0; j < perBucket; j++) {
      const s = (j << bits) | b;
      if (s >= subscriberCount) break;
      const g0 = sStart[j]!;
      const g1 = sStart[j + 1]!;
      const carry = carries ? carries(s) : null;
      if (g1 === g0 && !carry) continue;
      // Order by (t, place, ev): groups come in about time order (see ShardInput.runs), so
      // most are in order already and the rest hold a few late records.
      let descents = 0;
      for (let k = g0 + 1; k < g1; k++) if (before(gt, gp, ge, k, k - 1)) descents++;
      if (descents > 0) {
        const t = gt.subarray(g0, g1);
        const place = gp.subarray(g0, g1);
        const ev = ge.subarray(g0, g1);
        if (descents > FEW_DESCENTS) sorter.sort(t, place, ev, g1 - g0);
        else insertionSort(t, place, ev, g1 - g0);
      }
      // Exact duplicates (same time, place and event) are dropped.
      let w = g0;
      for (let k = g0; k < g1; k++) {
        if (w > g0 && gt[w - 1] === gt[k] && gp[w - 1] === gp[k] && ge[w - 1] === ge[k]) {
          duplicates++;
          continue;
        }
        gt[w] = gt[k]!;
        gp[w] = gp[k]!;
        ge[w] = ge[k]!;
        w++;
      }
      if (w > g0) withRecords++;
      if (oneCity && engine.runDaysOneCity(gt, gp, g0, w, spec.firstDayStart, spec.dayCount, days)) {
        sink(s, days, null);
        continue;
      }
      const next = engine.runDays(gt, gp, g0, w, spec.firstDayStart, spec.dayCount, carry, days, true);
      sink(s, days, next);
    }
  }
  return { duplicates, subscribersWithRecords: withRecords };
}
