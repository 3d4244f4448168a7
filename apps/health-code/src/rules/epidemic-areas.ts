// The city's epidemic-area list (疫区) and the match of a 14-day itinerary against it.
// An entry is a province, a city or "abroad" (境外: any country or region outside
// the mainland, Hong Kong, Macau and Taiwan included), each with effective dates.
import { beijingDate, countryName, provinceName, regionByCode } from '@itinerary-card/domain';

export type AreaScope = 'province' | 'city' | 'abroad';

export interface EpidemicArea {
  id: string;
  scope: AreaScope;
  /** 6-digit GB/T 2260 code for province/city; for abroad: '' (anywhere abroad) or an ISO country code. */
  code: string;
  name: string;
  /** First and last day (YYYY-MM-DD, Beijing) the listing is in force; `to` null: open-ended. */
  from: string;
  to: string | null;
}

/** The part of an itinerary answer the rules need (the partner API body, API.md). */
export interface ItinerarySummary {
  windowStart: string;
  windowEnd: string;
  updatedAt: string;
  cities: Array<{ code: string; province: string; city: string }>;
  countries: Array<{ code: string; name: string }>;
}

export interface AreaHit {
  areaId: string;
  areaName: string;
  /** What in the itinerary touched it: a city name or a country name. */
  place: string;
}

/** The default name of an entry when the office gives none. */
export function defaultAreaName(scope: AreaScope, code: string): string | undefined {
  if (scope === 'abroad') return code === '' ? '境外' : countryName(code);
  if (scope === 'province') return /^\d{2}0000$/.test(code) ? provinceName(code) : undefined;
  const r = regionByCode(code);
  return r ? (r.province === r.city ? r.city : r.province + r.city) : undefined;
}

/**
 * Every place of the itinerary inside an area whose listing overlaps the itinerary's
 * window (both in Beijing days). The window is [windowStart, windowEnd).
 */
export function matchItinerary(it: ItinerarySummary, areas: readonly EpidemicArea[]): AreaHit[] {
  const first = beijingDate(Date.parse(it.windowStart));
  const last = beijingDate(Date.parse(it.windowEnd) - 1);
  const hits: AreaHit[] = [];
  for (const a of areas) {
    if (a.from > last || (a.to !== null && a.to < first)) continue;
    if (a.scope === 'abroad') {
      for (const c of it.countries) {
        if (a.code === '' || a.code === c.code) hits.push({ areaId: a.id, areaName: a.name, place: c.name });
      }
      continue;
    }
    for (const c of it.cities) {
      const inside = a.scope === 'city' ? c.code === a.code : c.code.slice(0, 2) === a.code.slice(0, 2);
      if (inside)
        hits.push({ areaId: a.id, areaName: a.name, place: c.province === c.city ? c.city : c.province + c.city });
    }
  }
  return hits;
}
