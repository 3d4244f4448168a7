// The itinerary body of GET /api/v1/itinerary (API.md) as the page reads it,
// tolerant of the platform's extra fields (cardColor, riskFootnote, notes).
export interface AnswerCity {
  code: string;
  province: string;
  city: string;
  risk: boolean;
}

export interface AnswerCountry {
  code: string;
  name: string;
}

export type CardColour = 'green' | 'yellow' | 'red';

export interface ItineraryAnswer {
  phone: string;
  updatedAt: string;
  windowDays: number;
  windowStart: string;
  windowEnd: string;
  cities: AnswerCity[];
  countries: AnswerCountry[];
  notes?: unknown[];
  cardColor?: string;
  riskFootnote?: string;
  /** The platform's caveat about cell coverage at administrative borders. */
  disclaimer?: string;
}

/** The card colour: the platform's when it gives one, else yellow after any stay abroad. */
export function cardColour(a: ItineraryAnswer): CardColour {
  if (a.cardColor === 'green' || a.cardColor === 'yellow' || a.cardColor === 'red') return a.cardColor;
  return a.countries.length > 0 ? 'yellow' : 'green';
}

/**
 * 江西省南昌市, or in English (the platform's English names) Nanchang, Jiangxi; a
 * municipality (北京市北京市) once; an asterisk when the city has a risk area.
 */
export function placeName(c: AnswerCity, lang: 'zh' | 'en' = 'zh'): string {
  const both = c.province && c.province !== c.city;
  const name = both ? (lang === 'en' ? `${c.city}, ${c.province}` : `${c.province}${c.city}`) : c.city || c.province;
  return c.risk ? `${name}*` : name;
}

/** Notes are strings, or objects with a text/message field; the risk footnote is shown on its own. */
export function noteTexts(a: ItineraryAnswer): string[] {
  const out: string[] = [];
  for (const n of a.notes ?? []) {
    if (n === a.riskFootnote) continue;
    if (typeof n === 'string') out.push(n);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      const t = o.text ?? o.message;
      if (typeof t === 'string') out.push(t);
    }
  }
  return out;
}
