// The itinerary as the pipeline computes it (DATA.md `compute` output) and the
// shapes shared by the operator node, the platform and the health-code system.
import type { NodeItinerary } from './wire/node-itinerary.ts';

/** What an operator node answers for one number (its schema: `@itinerary-card/domain/wire`). */
export type { NodeItinerary };

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

export type ItineraryStatus = NodeItinerary['status'];
export type SubscriberKind = NodeItinerary['kind'];

/** The stay rule: a domestic city counts after this much continuous presence. */
export const MIN_STAY_MS = 4 * 3_600_000;
/** A number opened less than this many days before the query day gets no itinerary. */
export const NEW_SUBSCRIBER_DAYS = 7;
