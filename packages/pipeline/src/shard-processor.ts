// Turns one shard's records into per-subscriber day results: groups records by
// subscriber (counting sort: records arrive in time order, so each group is
// nearly sorted), orders and de-duplicates them, and runs the stay engine.
import { type Carry, type CellModel, type DayOutput, type EngineParams, StayEngine } from '@itinerary-card/stay-engine';

export interface ShardInput {
  sub: Int32Array;
  t: Float64Array;
  place: Int32Array;
  ev: Int32Array;
  length: number;
}

export interface DaysSpec {
  firstDayStart: number;
  dayCount: number;
}

export interface ShardResult {
  duplicates: number;
  subscribersWithRecords: number;
}

/** Called once per subscriber with records, in subscriber order; `days` is reused between calls. */
export type SubscriberSink = (sub: number, days: readonly DayOutput[], carry: Carry | null) => void;

export function processShard(
  input: ShardInput,
  subscriberCount: number,
  model: CellModel,
  spec: DaysSpec,
  sink: SubscriberSink,
  params?: EngineParams,
  carries?: (sub: number) => Carry | null,
): ShardResult {
  const n = input.length;
  const start = new Int32Array(subscriberCount + 1);
  for (let i = 0; i < n; i++) start[input.sub[i]! + 1]!++;
  for (let s = 0; s < subscriberCount; s++) start[s + 1]! += start[s]!;
  const fill = start.slice(0, subscriberCount);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[input.sub[i]!]!++] = i;

  const engine = new StayEngine(model, params);
  const days: DayOutput[] = Array.from({ length: spec.dayCount }, () => ({
    cities: [],
    countries: [],
    hadRecord: false,
  }));
  let t = new Float64Array(1024);
  let place = new Int32Array(1024);
  let ev = new Int32Array(1024);
  let duplicates = 0;
  let withRecords = 0;
  for (let s = 0; s < subscriberCount; s++) {
    const a = start[s]!;
    const m = start[s + 1]! - a;
    const carry = carries ? carries(s) : null;
    if (m === 0 && !carry) continue;
    if (m > t.length) {
      const cap = Math.max(m, t.length * 2);
      t = new Float64Array(cap);
      place = new Int32Array(cap);
      ev = new Int32Array(cap);
    }
    // Insertion sort by (t, place, ev): linear on the nearly ordered input.
    for (let k = 0; k < m; k++) {
      const i = order[a + k]!;
      const ti = input.t[i]!;
      const pi = input.place[i]!;
      const ei = input.ev[i]!;
      let j = k - 1;
      while (j >= 0 && (t[j]! > ti || (t[j] === ti && (place[j]! > pi || (place[j] === pi && ev[j]! > ei))))) {
        t[j + 1] = t[j]!;
        place[j + 1] = place[j]!;
        ev[j + 1] = ev[j]!;
        j--;
      }
      t[j + 1] = ti;
      place[j + 1] = pi;
      ev[j + 1] = ei;
    }
    // Exact duplicates (same time, place and event) are dropped.
    let w = 0;
    for (let k = 0; k < m; k++) {
      if (w > 0 && t[w - 1] === t[k] && place[w - 1] === place[k] && ev[w - 1] === ev[k]) {
        duplicates++;
        continue;
      }
      t[w] = t[k]!;
      place[w] = place[k]!;
      ev[w] = ev[k]!;
      w++;
    }
    if (w > 0) withRecords++;
    const next = engine.runDays(t, place, 0, w, spec.firstDayStart, spec.dayCount, carry, days);
    sink(s, days, next);
  }
  return { duplicates, subscribersWithRecords: withRecords };
}
