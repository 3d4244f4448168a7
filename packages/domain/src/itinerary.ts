// The itinerary as the pipeline computes it (DATA.md `compute` output) and the
// shapes shared by the operator node, the platform and the health-code system.
export type ItineraryStatus = 'ok' | 'no_data' | 'new_subscriber';
export type WindowDays = 7 | 14;

/** One line of `compute` output (DATA.md). */
export interface ItineraryLine {
  msisdn: string;
  date: string;
  days: WindowDays;
  status: ItineraryStatus;
  cities: string[];
  countries: string[];
}

export type SubscriberKind = 'normal' | 'mvno' | 'secondary';

/** What an operator node answers for one number (internal API). */
export interface NodeItinerary {
  msisdn: string;
  status: ItineraryStatus;
  days: WindowDays;
  /** The query day D (YYYY-MM-DD, Beijing): the window is [D-days, D). */
  date: string;
  windowStart: string;
  windowEnd: string;
  /** When the snapshot that gave this answer was published. */
  updatedAt: string;
  cities: string[];
  countries: string[];
  kind: SubscriberKind;
  /** The number whose itinerary this is, when `msisdn` is a secondary number. */
  primaryMsisdn?: string;
  /** Date the number was ported in, if any (YYYY-MM-DD). */
  portedAt?: string;
}

/** The stay rule: a domestic city counts after this much continuous presence. */
export const MIN_STAY_MS = 4 * 3_600_000;
/** A number opened less than this many days before the query day gets no itinerary. */
export const NEW_SUBSCRIBER_DAYS = 7;
