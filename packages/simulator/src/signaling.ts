// What the network sees of one subscriber: attach/detach around switched-off
// and flight gaps, calls/SMS/data at daily rates, handovers while moving,
// cross-coverage ping-pong at a border, and periodic TAU about hourly while idle.
import { HOUR_MS, type Operator } from '@itinerary-card/domain';
import { type CellTable, OP_INDEX } from './geography.ts';
import type { Plan, Segment } from './planner.ts';
import type { Rng } from './rng.ts';

export const EVENTS = ['attach', 'detach', 'tau', 'handover', 'call', 'sms', 'data'] as const;
const EV = { attach: 0, detach: 1, tau: 2, handover: 3, call: 4, sms: 5, data: 6 } as const;

/** Share of the day's activity (calls, SMS, data sessions) per Beijing hour. */
const HOUR_WEIGHT = [
  0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.4, 1.5, 1.5, 1.4, 1.3, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.6, 1.6, 1.4, 1, 0.5,
];
const HOUR_SUM = HOUR_WEIGHT.reduce((a, b) => a + b, 0);
/** Mean activities per day: 4 calls, 2.5 SMS, 10 data sessions. */
const ACTIVITY_PER_DAY = 16.5;
const HOUR_RATE = HOUR_WEIGHT.map((w) => (w / HOUR_SUM) * ACTIVITY_PER_DAY);
const TAU_PERIOD_MS = HOUR_MS;

/** Records of one subscriber, reused from one subscriber to the next. */
export class RecordBuffer {
  n = 0;
  ts = new Float64Array(1024); // epoch seconds
  ev = new Uint8Array(1024);
  /** Cell index (>= 0) or -(plmn index + 1) for a roaming record. */
  loc = new Int32Array(1024);
  /** Index of the plan segment the person was truly in. */
  seg = new Int32Array(1024);
  flags = new Uint8Array(1024);

  reset(): void {
    this.n = 0;
  }

  push(ts: number, ev: number, loc: number, seg: number): void {
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.ts[i] = ts;
    this.ev[i] = ev;
    this.loc[i] = loc;
    this.seg[i] = seg;
    this.flags[i] = 0;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(n);
      b.set(a);
      return b;
    };
    this.ts = g(this.ts, Float64Array);
    this.ev = g(this.ev, Uint8Array);
    this.loc = g(this.loc, Int32Array);
    this.seg = g(this.seg, Int32Array);
    this.flags = g(this.flags, Uint8Array);
  }
}

export interface SignalContext {
  cells: CellTable;
  startMs: number;
  endMs: number;
  plmnIndex(plmn: string): number;
}

/** Keys are seconds * 8 + event code, so one numeric sort orders events in time. */
let keys = new Float64Array(2048);

function observable(s: Segment): boolean {
  return s.k === 'dom' || s.roaming;
}

export function generateRecords(
  plan: Plan,
  opAt: (ms: number) => Operator,
  ctx: SignalContext,
  rng: Rng,
  out: RecordBuffer,
): void {
  out.reset();
  const { segments } = plan;
  const S = ctx.startMs;
  const E = ctx.endMs;
  // Intervals the phone is on and seen: observable segments joined, minus the off times.
  const on: Array<[number, number]> = [];
  for (const s of segments) {
    if (!observable(s)) continue;
    const last = on[on.length - 1];
    if (last && last[1] === s.start) last[1] = s.end;
    else on.push([s.start, s.end]);
  }
  const intervals: Array<[number, number]> = [];
  for (const [a0, b0] of on) {
    let a = a0;
    for (const [oa, ob] of plan.offs) {
      if (ob <= a || oa >= b0) continue;
      if (oa > a) intervals.push([a, oa]);
      a = Math.max(a, ob);
    }
    if (a < b0) intervals.push([a, b0]);
  }
  let nk = 0;
  const add = (ms: number, ev: number) => {
    if (nk === keys.length) {
      const k2 = new Float64Array(keys.length * 2);
      k2.set(keys);
      keys = k2;
    }
    keys[nk++] = Math.floor(ms / 1000) * 8 + ev;
  };
  for (const [a, b] of intervals) {
    const before = nk;
    if (a > S) add(a, EV.attach);
    const roamingScale = segmentAt(segments, a)?.k === 'abroad' ? 0.6 : 1;
    for (let h = Math.floor((a + 8 * HOUR_MS) / HOUR_MS); h * HOUR_MS - 8 * HOUR_MS < b; h++) {
      const h0 = Math.max(a, h * HOUR_MS - 8 * HOUR_MS);
      const h1 = Math.min(b, (h + 1) * HOUR_MS - 8 * HOUR_MS);
      if (h1 <= h0) continue;
      const n = rng.poisson((HOUR_RATE[h % 24]! * roamingScale * (h1 - h0)) / HOUR_MS);
      for (let i = 0; i < n; i++) {
        const x = rng.next();
        add(h0 + rng.next() * (h1 - h0), x < 0.24 ? EV.call : x < 0.39 ? EV.sms : EV.data);
      }
    }
    for (const s of segments) {
      if (s.k !== 'dom' || s.end <= a || s.start >= b) continue;
      if (s.mode.m === 'move') {
        for (
          let t = Math.max(a, s.start) + rng.range(3, 8) * 60_000;
          t < Math.min(b, s.end);
          t += rng.range(3, 8) * 60_000
        )
          add(t, EV.handover);
      } else if (s.mode.m === 'border') {
        // A cross-coverage switch is a tracking-area update in idle mode.
        for (const t of s.mode.switches) if (t > a && t < b && t > s.start && t < s.end) add(t, EV.tau);
      }
    }
    if (b < E && rng.chance(0.7)) add(b - 1000, EV.detach);
    // Periodic TAU fills every idle stretch longer than the timer (± 5 %).
    const sorted = keys.subarray(before, nk).sort();
    const fill: number[] = [];
    let prev = a;
    const period = TAU_PERIOD_MS * rng.range(0.95, 1.05);
    for (let i = 0; i <= sorted.length; i++) {
      const next = i < sorted.length ? Math.floor(sorted[i]! / 8) * 1000 : b;
      for (let t = prev + period; t < next; t += period) fill.push(t);
      prev = Math.max(prev, next);
    }
    for (const t of fill) add(t, EV.tau);
  }
  const all = keys.subarray(0, nk).sort();
  // Where each record was seen: the segment at its time and the mode's cell choice.
  let si = 0;
  let sw = 0;
  for (let i = 0; i < all.length; i++) {
    const key = all[i]!;
    const sec = Math.floor(key / 8);
    const ev = key - sec * 8;
    const ms = sec * 1000;
    while (si < segments.length - 1 && segments[si]!.end <= ms) {
      si++;
      sw = 0;
    }
    const s = segments[si]!;
    let loc: number;
    if (s.k === 'abroad') {
      loc = -(ctx.plmnIndex(s.plmns.length > 1 && rng.chance(0.3) ? s.plmns[1]! : s.plmns[0]!) + 1);
    } else {
      const op = OP_INDEX[opAt(ms)];
      const cells = ctx.cells;
      const mode = s.mode;
      if (mode.m === 'home') {
        const list = cells.centre[s.city]![op]!;
        loc = rng.chance(0.8) ? list[mode.slot % list.length]! : list[rng.int(list.length)]!;
      } else if (mode.m === 'move') {
        loc = rng.pick(cells.all[s.city]![op]!);
      } else if (mode.m === 'work') {
        loc = rng.chance(0.85)
          ? cells.border[s.city]![op]!.get(mode.nb)![mode.p]!
          : rng.pick(cells.centre[s.city]![op]!);
      } else if (mode.m === 'mix') {
        loc = rng.chance(mode.share)
          ? cells.border[mode.nb]![op]!.get(s.city)![mode.p]!
          : rng.pick(cells.centre[s.city]![op]!);
      } else if (mode.m === 'zone') {
        loc = rng.chance(mode.share)
          ? cells.border[mode.nb]![op]!.get(s.city)![mode.p]!
          : cells.border[s.city]![op]!.get(mode.nb)![mode.p]!;
      } else {
        while (sw < mode.switches.length && mode.switches[sw]! <= ms) sw++;
        loc =
          sw % 2 === 0
            ? cells.border[s.city]![op]!.get(mode.nb)![mode.p]!
            : cells.border[mode.nb]![op]!.get(s.city)![mode.p]!;
      }
    }
    // Two identical records in one second would be an unintended exact duplicate.
    const j = out.n - 1;
    if (j >= 0 && out.ts[j] === sec && out.ev[j] === ev && out.loc[j] === loc) continue;
    out.push(sec, ev, loc, si);
  }
}

function segmentAt(segments: Segment[], ms: number): Segment | undefined {
  for (const s of segments) if (s.start <= ms && ms < s.end) return s;
  return undefined;
}
