// Whether a received body is an itinerary answer: the schema's check as plain code
// generated from it (scripts/wire-checks.ts), the same in Node and on the page. A
// module apart from the schema, so a page that only checks bundles no TypeBox.
import { checkItineraryAnswer } from './itinerary-answer.check.ts';
import type { ItineraryAnswer } from './itinerary-answer.ts';

export function isItineraryAnswer(value: unknown): value is ItineraryAnswer {
  return checkItineraryAnswer(value);
}
