// Growable columns of valid records (subscriber, time, place, event): typed
// arrays, no object per record, backed by shared memory so worker threads read
// them without a copy.
function shared32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** Where a scan puts the valid records it reads: an EventBuffer, or a ShardSpill when the run has several shards. */
export interface RecordSink {
  /** Room for `more` records (a hint). */
  reserve(more: number): void;
  /** The records that follow come from one piece of the input (see EventBuffer.beginRun). */
  beginRun(): void;
  append(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array): void;
  /** Appends the records i with keep[i] === 1, in order; returns how many. */
  appendKept(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array, keep: Uint8Array): number;
}

export class EventBuffer implements RecordSink {
  sub: Int32Array;
  t: Float64Array;
  place: Int32Array;
  ev: Int32Array;
  length = 0;
  /** Where each run of records began (see beginRun), ascending. */
  private starts: number[] = [];

  constructor(capacity = 1 << 16) {
    this.sub = shared32(capacity);
    this.t = new Float64Array(new SharedArrayBuffer(capacity * 8));
    this.place = shared32(capacity);
    this.ev = shared32(capacity);
  }

  /** Makes room for `more` records beyond the current length. */
  reserve(more: number): void {
    if (this.length + more > this.sub.length) this.grow(this.length + more);
  }

  private grow(min = 0): void {
    const cap = Math.max(this.sub.length * 2, min);
    const sub = shared32(cap);
    sub.set(this.sub);
    const t = new Float64Array(new SharedArrayBuffer(cap * 8));
    t.set(this.t);
    const place = shared32(cap);
    place.set(this.place);
    const ev = shared32(cap);
    ev.set(this.ev);
    this.sub = sub;
    this.t = t;
    this.place = place;
    this.ev = ev;
  }

  /**
   * Starts a run: the records appended next come from one piece of the input
   * (a chunk of a file read in order), so they are in about time order.
   */
  beginRun(): void {
    if (this.starts.at(-1) === this.length) return;
    this.starts.push(this.length);
  }

  /**
   * The runs as [start, end) pairs, ordered by their first record's time.
   * DuckDB hands a parallel scan's chunks over in no fixed order; read run by
   * run in this order, records come in about time order, so a subscriber's
   * records rarely need sorting. Undefined when no run was marked.
   */
  runOrder(): Int32Array | undefined {
    if (this.starts.length === 0) return undefined;
    const bounds = [...this.starts, this.length];
    const runs: number[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) if (bounds[k]! < bounds[k + 1]!) runs.push(k);
    if (bounds[0]! > 0) runs.push(-1); // records appended before the first mark
    const start = (k: number) => (k < 0 ? 0 : bounds[k]!);
    const end = (k: number) => (k < 0 ? bounds[0]! : bounds[k + 1]!);
    runs.sort((a, b) => this.t[start(a)]! - this.t[start(b)]! || start(a) - start(b));
    const out = new Int32Array(2 * runs.length);
    runs.forEach((k, i) => {
      out[2 * i] = start(k);
      out[2 * i + 1] = end(k);
    });
    return out;
  }

  /** Appends the records of the given columns (all of the same length). */
  append(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array): void {
    const n = sub.length;
    this.reserve(n);
    this.sub.set(sub, this.length);
    this.t.set(t, this.length);
    this.place.set(place, this.length);
    this.ev.set(ev, this.length);
    this.length += n;
  }

  appendKept(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array, keep: Uint8Array): number {
    this.reserve(sub.length);
    const { sub: bs, t: bt, place: bp, ev: be } = this;
    let k = this.length;
    for (let i = 0; i < sub.length; i++) {
      if (keep[i] !== 1) continue;
      bs[k] = sub[i]!;
      bt[k] = t[i]!;
      bp[k] = place[i]!;
      be[k] = ev[i]!;
      k++;
    }
    const added = k - this.length;
    this.length = k;
    return added;
  }

  push(sub: number, t: number, place: number, ev: number): void {
    if (this.length === this.sub.length) this.grow();
    const i = this.length++;
    this.sub[i] = sub;
    this.t[i] = t;
    this.place[i] = place;
    this.ev[i] = ev;
  }
}

/** Country index table for roaming records: place = -(index + 1). */
export class CountryTable {
  readonly codes: string[] = [];
  private readonly index = new Map<string, number>();

  idx(code: string): number {
    let i = this.index.get(code);
    if (i === undefined) {
      i = this.codes.length;
      this.codes.push(code);
      this.index.set(code, i);
    }
    return i;
  }
}
