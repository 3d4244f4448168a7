// A snapshot built from NodeItinerary-like records in memory: for tests, the
// benchmark and embedded runs before the pipeline has published anything.
import type { ItineraryStatus, NodeItinerary, Operator, SubscriberKind, WindowDays } from '@itinerary-card/domain';
import { answerOf } from '@itinerary-card/pipeline';
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
    const w =
      days === 14
        ? { status: e.status, cities: e.cities14 ?? e.cities, countries: e.countries14 ?? e.countries }
        : { status: e.status, cities: e.cities, countries: e.countries };
    const out = answerOf(this, msisdn, days, w, e.kind ?? 'normal', e.portedAt);
    if (e.primaryMsisdn) out.primaryMsisdn = e.primaryMsisdn;
    return out;
  }
}
