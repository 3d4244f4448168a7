// The itinerary body of GET /api/v1/itinerary (API.md) as the page reads it: its
// schema and type are the platform's own (@itinerary-card/domain/wire), and what
// arrives is checked against it before anything of it is shown.
import { errorMessage } from '@itinerary-card/domain';
import { type ItineraryAnswer, type ItineraryCity, isItineraryAnswer } from '@itinerary-card/domain/wire';
import { ApiError } from '../shared/api-client.ts';
import type { Lang } from '../shared/lang.ts';

export type CardColour = 'green' | 'yellow' | 'red';

/**
 * The answer, once it is one: a 200 whose body is not (a proxy's page, a
 * platform of another version) is ANSWER_MALFORMED, shown like any other error.
 */
export function checkedAnswer(body: unknown, lang: Lang): ItineraryAnswer {
  if (isItineraryAnswer(body)) return body;
  throw new ApiError('ANSWER_MALFORMED', errorMessage('ANSWER_MALFORMED', lang), 200);
}

/** The card colour: the platform's when it gives one, else yellow after any stay abroad. */
export function cardColour(a: ItineraryAnswer): CardColour {
  return a.cardColor ?? (a.countries.length > 0 ? 'yellow' : 'green');
}

/**
 * 江西省南昌市, or in English (the platform's English names) Nanchang, Jiangxi; a
 * municipality (北京市北京市) once; an asterisk when the city has a risk area.
 */
export function placeName(c: ItineraryCity, lang: 'zh' | 'en' = 'zh'): string {
  const both = c.province && c.province !== c.city;
  const name = both ? (lang === 'en' ? `${c.city}, ${c.province}` : `${c.province}${c.city}`) : c.city || c.province;
  return c.risk ? `${name}*` : name;
}

/** The notes to show under the places; the risk footnote is shown on its own. */
export function noteTexts(a: ItineraryAnswer): string[] {
  return a.notes.filter((n) => n !== a.riskFootnote);
}
