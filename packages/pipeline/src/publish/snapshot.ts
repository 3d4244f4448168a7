// The published itinerary snapshot of an operator node: for query day D, each
// subscriber's 7- and 14-day answer, looked up by (pseudonymised) number.
import {
  beijingDayStart,
  DAY_MS,
  formatBeijing,
  type ItineraryLine,
  type ItineraryStatus,
  type NodeItinerary,
  type Operator,
  type SubscriberKind,
  type WindowDays,
} from '@itinerary-card/domain';
import type { Pseudonymizer } from '../read/pseudonym.ts';

export interface SnapshotMeta {
  operator: Operator;
  /** Query day D: the snapshot answers the windows [D-7, D) and [D-14, D). */
  date: string;
  /** When it was published: the "update time" users see. */
  publishedAt: number;
}

export interface SnapshotEntry {
  kind: SubscriberKind;
  portedAt?: string;
  w7: { status: ItineraryStatus; cities: string[]; countries: string[] };
  w14: { status: ItineraryStatus; cities: string[]; countries: string[] };
}

export class Snapshot implements SnapshotMeta {
  readonly operator: Operator;
  readonly date: string;
  readonly publishedAt: number;

  constructor(
    meta: SnapshotMeta,
    private readonly entries: ReadonlyMap<string, SnapshotEntry>,
    private readonly keyOf: Pseudonymizer = (m) => m,
  ) {
    this.operator = meta.operator;
    this.date = meta.date;
    this.publishedAt = meta.publishedAt;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The answer for a number, or undefined when it is not this node's subscriber. */
  lookup(msisdn: string, days: WindowDays): NodeItinerary | undefined {
    const e = this.entries.get(this.keyOf(msisdn));
    if (!e) return undefined;
    return answerOf(this, msisdn, days, days === 14 ? e.w14 : e.w7, e.kind, e.portedAt);
  }
}

/** The node's answer for one number and window, with the window and update time of the snapshot. */
export function answerOf(
  meta: SnapshotMeta,
  msisdn: string,
  days: WindowDays,
  w: { status: ItineraryStatus; cities: string[]; countries: string[] },
  kind: SubscriberKind,
  portedAt?: string,
): NodeItinerary {
  const end = beijingDayStart(meta.date);
  const out: NodeItinerary = {
    msisdn,
    status: w.status,
    days,
    date: meta.date,
    windowStart: formatBeijing(end - days * DAY_MS),
    windowEnd: formatBeijing(end),
    updatedAt: formatBeijing(meta.publishedAt),
    cities: w.cities,
    countries: w.countries,
    kind,
  };
  if (portedAt) out.portedAt = portedAt;
  return out;
}

export interface SubscriberInfo {
  kind: SubscriberKind;
  portedAt?: string;
}

/**
 * Builds a snapshot from `compute` lines of both windows (days 7 and 14) for
 * one date. Numbers missing a 14-day line reuse their 7-day answer.
 */
export function snapshotFromLines(
  lines: Iterable<ItineraryLine>,
  meta: SnapshotMeta,
  options: { subscribers?: ReadonlyMap<string, SubscriberInfo>; keyOf?: Pseudonymizer } = {},
): Snapshot {
  const keyOf = options.keyOf ?? ((m: string) => m);
  const byNumber = new Map<string, { w7?: SnapshotEntry['w7']; w14?: SnapshotEntry['w14'] }>();
  for (const l of lines) {
    if (l.date !== meta.date) throw new RangeError(`line for ${l.date} in a snapshot for ${meta.date}`);
    const slot = byNumber.get(l.msisdn) ?? {};
    const w = { status: l.status, cities: l.cities, countries: l.countries };
    if (l.days === 14) slot.w14 = w;
    else slot.w7 = w;
    byNumber.set(l.msisdn, slot);
  }
  const entries = new Map<string, SnapshotEntry>();
  for (const [msisdn, s] of byNumber) {
    const info = options.subscribers?.get(msisdn);
    const w7 = s.w7 ?? s.w14!;
    const entry: SnapshotEntry = { kind: info?.kind ?? 'normal', w7, w14: s.w14 ?? w7 };
    if (info?.portedAt) entry.portedAt = info.portedAt;
    entries.set(keyOf(msisdn), entry);
  }
  return new Snapshot(meta, entries, keyOf);
}
