// The itinerary rules applied to the ground truth for one query day D and a
// window of N days, [D-N 00:00, D 00:00) Beijing: what is truly listed, what is
// truly not, and what no network data could decide (left out of scoring).
import { addDays, beijingDayStart, MIN_STAY_MS, NEW_SUBSCRIBER_DAYS } from '@itinerary-card/domain';
import type { TruthAbroad, TruthLine, TruthStay } from './truth.ts';

export type Decision = 'yes' | 'no' | 'undecidable';

export interface Window {
  date: string;
  days: number;
  start: number;
  end: number;
}

export function windowOf(date: string, days: number): Window {
  return { date, days, start: beijingDayStart(addDays(date, -days)), end: beijingDayStart(date) };
}

/**
 * One stay against the window. Truly listed when it intersects the window and
 * lasted >= 4 h by min(end, window end). Decidable yes when the records alone
 * prove it (observed span >= 4 h, a record at or after the window start);
 * decidable no when even the widest reading of the records stays under 4 h or
 * outside the window; otherwise undecidable.
 */
export function stayDecision(s: TruthStay, w: Window): Decision | 'outside' {
  if (s.end <= w.start || s.start >= w.end) return 'outside';
  const E = w.end;
  const arrivedBy = s.prevObs ?? s.start;
  const leftBy = Math.min(s.nextObs ?? E, E);
  if (leftBy - arrivedBy < MIN_STAY_MS) return 'no';
  if ((s.nextObs !== null && s.nextObs <= w.start) || arrivedBy >= E) return 'no';
  if (s.firstObs !== null && s.lastObs !== null) {
    const lower = Math.min(s.lastObs, E) - s.firstObs;
    if (lower >= MIN_STAY_MS && s.lastObs >= w.start && s.firstObs < E) return 'yes';
  }
  return 'undecidable';
}

/** Truly listed iff present in the window with a roaming record in it; silent abroad is undecidable. */
function abroadDecision(a: TruthAbroad, w: Window): Decision | 'outside' {
  if (a.end <= w.start || a.start >= w.end) return 'outside';
  if (a.roamingObs === null) return 'undecidable';
  const first = addDays(w.date, -w.days);
  return a.roamingDays.some((d) => d >= first && d < w.date) ? 'yes' : 'no';
}

function combine(into: Map<string, Decision>, key: string, d: Decision): void {
  const prev = into.get(key);
  if (prev === 'yes' || d === 'yes') into.set(key, 'yes');
  else if (prev === 'undecidable' || d === 'undecidable') into.set(key, 'undecidable');
  else into.set(key, 'no');
}

export interface TruthForWindow {
  status: 'ok' | 'no_data' | 'new_subscriber';
  /** Every city or country touched in the window with its decision. */
  cities: Map<string, Decision>;
  countries: Map<string, Decision>;
}

export function truthForWindow(t: TruthLine, w: Window): TruthForWindow {
  const cities = new Map<string, Decision>();
  const countries = new Map<string, Decision>();
  for (const s of t.stays) {
    const d = stayDecision(s, w);
    if (d !== 'outside') combine(cities, s.city, d);
  }
  for (const a of t.abroad) {
    const d = abroadDecision(a, w);
    if (d !== 'outside') combine(countries, a.country, d);
  }
  const ageDays = (beijingDayStart(w.date) - beijingDayStart(t.activatedAt)) / 86_400_000;
  const first = addDays(w.date, -w.days);
  const status =
    ageDays < NEW_SUBSCRIBER_DAYS
      ? 'new_subscriber'
      : t.obsDays.some((d) => d >= first && d < w.date)
        ? 'ok'
        : 'no_data';
  return { status, cities, countries };
}
