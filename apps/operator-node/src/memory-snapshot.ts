// A snapshot built from NodeItinerary-like records in memory: for tests, the
// benchmark and embedded runs before the pipeline has published anything.
import {
  beijingDayStart,
  DAY_MS,
  formatBeijing,
  type ItineraryStatus,
  type NodeItinerary,
  type Operator,
  type SubscriberKind,
  type WindowDays,
} from '@itinerary-card/domain';
import type { NodeSnapshot } from './snapshot-holder.ts';

export interface MemoryEntry {
  msisdn: string;
  status: ItineraryStatus;
  cities: string[];
  countries: string[];
  /** 14-day lists when they differ from the 7-day ones. */
  cities14?: string[];
  countries14?: string[];
  kind?: SubscriberKind;
  primaryMsisdn?: string;
  portedAt?: string;
}

export class MemorySnapshot implements NodeSnapshot {
  private readonly byNumber: Map<string, MemoryEntry>;

  constructor(
    readonly operator: Operator,
    readonly date: string,
    readonly publishedAt: number,
    entries: Iterable<MemoryEntry>,
  ) {
    this.byNumber = new Map([...entries].map((e) => [e.msisdn, e]));
  }

  get size(): number {
    return this.byNumber.size;
  }

  lookup(msisdn: string, days: WindowDays): NodeItinerary | undefined {
    const e = this.byNumber.get(msisdn);
    if (!e) return undefined;
    const end = beijingDayStart(this.date);
    const out: NodeItinerary = {
      msisdn,
      status: e.status,
      days,
      date: this.date,
      windowStart: formatBeijing(end - days * DAY_MS),
      windowEnd: formatBeijing(end),
      updatedAt: formatBeijing(this.publishedAt),
      cities: days === 14 ? (e.cities14 ?? e.cities) : e.cities,
      countries: days === 14 ? (e.countries14 ?? e.countries) : e.countries,
      kind: e.kind ?? 'normal',
    };
    if (e.primaryMsisdn) out.primaryMsisdn = e.primaryMsisdn;
    if (e.portedAt) out.portedAt = e.portedAt;
    return out;
  }
}
