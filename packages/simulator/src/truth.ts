// Ground truth of one subscriber (one line of truth.jsonl): where the person
// really was, with the network records that bracket each stay, so that the
// evaluation can tell what the data could decide. Times are epoch milliseconds.
import { BEIJING_OFFSET_MS, beijingDate, DAY_MS } from '@itinerary-card/domain';
import type { City } from './geography.ts';
import type { Plan } from './planner.ts';
import type { Profile } from './population.ts';
import type { RecordBuffer } from './signaling.ts';

export interface TruthStay {
  city: string;
  start: number;
  end: number;
  /** First and last valid record while truly in the city (null: none). */
  firstObs: number | null;
  lastObs: number | null;
  /** Last valid record before arrival and first after leaving (anywhere; null: none). */
  prevObs: number | null;
  nextObs: number | null;
}

export interface TruthAbroad {
  country: string;
  start: number;
  end: number;
  /** First and last roaming record of the trip; null when the phone was silent abroad. */
  roamingObs: [number, number] | null;
  /** Beijing dates with at least one roaming record of the trip. */
  roamingDays: string[];
}

export interface TruthLine {
  msisdn: string;
  operator: string;
  kind: 'normal' | 'mvno' | 'secondary';
  /** new | ported | mvno | secondary | normal: how the number came to be. */
  numberKind: string;
  persona: string;
  activatedAt: string;
  portedAt?: string;
  primaryMsisdn?: string;
  stays: TruthStay[];
  abroad: TruthAbroad[];
  /** Beijing dates with at least one valid record of the number (of its primary for a secondary). */
  obsDays: string[];
  /**
   * km from the cell that served the person most in their home city to the nearest point of that city's
   * border (the geography's border points); absent without such a record.
   */
  homeBorderKm?: number;
}

export const FLAG_EPOCH_MS = 1;
/** Bits 1-3: malformed line kind (1 bad msisdn, 2 bad ts, 3 missing columns, 4 garbage). */
export const MALFORMED_SHIFT = 1;
export const FLAG_UNKNOWN_CELL = 16;

function isObservation(flags: number): boolean {
  return (flags & (0b1110 | FLAG_UNKNOWN_CELL)) === 0;
}

export function buildTruth(
  profile: Profile,
  plan: Plan,
  recs: RecordBuffer,
  cities: City[],
  primaryMsisdn?: string,
): Omit<TruthLine, 'msisdn' | 'operator' | 'kind' | 'numberKind' | 'persona' | 'activatedAt'> {
  // Valid observations in time order (records are generated sorted by ts).
  const obs: number[] = [];
  for (let i = 0; i < recs.n; i++) if (isObservation(recs.flags[i]!)) obs.push(recs.ts[i]! * 1000);
  const stays: TruthStay[] = [];
  const abroad: TruthAbroad[] = [];
  for (const s of plan.segments) {
    if (s.k === 'dom') {
      const code = cities[s.city]!.code;
      const last = stays[stays.length - 1];
      if (last && last.city === code && last.end === s.start) last.end = s.end;
      else
        stays.push({
          city: code,
          start: s.start,
          end: s.end,
          firstObs: null,
          lastObs: null,
          prevObs: null,
          nextObs: null,
        });
    } else {
      abroad.push({ country: s.country, start: s.start, end: s.end, roamingObs: null, roamingDays: [] });
    }
  }
  const bracket = (start: number, end: number) => {
    const lo = lowerBound(obs, start);
    const hi = lowerBound(obs, end);
    return {
      first: hi > lo ? obs[lo]! : null,
      last: hi > lo ? obs[hi - 1]! : null,
      prev: lo > 0 ? obs[lo - 1]! : null,
      next: hi < obs.length ? obs[hi]! : null,
      lo,
      hi,
    };
  };
  for (const st of stays) {
    const b = bracket(st.start, st.end);
    st.firstObs = b.first;
    st.lastObs = b.last;
    st.prevObs = b.prev;
    st.nextObs = b.next;
  }
  for (const a of abroad) {
    const b = bracket(a.start, a.end);
    if (b.first !== null) {
      a.roamingObs = [b.first, b.last!];
      a.roamingDays = daysOf(obs, b.lo, b.hi);
    }
  }
  const obsDays = daysOf(obs, 0, obs.length);
  return {
    ...(profile.portedAtMs !== null ? { portedAt: beijingDate(profile.portedAtMs) } : {}),
    ...(primaryMsisdn ? { primaryMsisdn } : {}),
    stays,
    abroad,
    obsDays,
  };
}

/** Distinct Beijing dates of the sorted instants obs[lo..hi). */
function daysOf(obs: number[], lo: number, hi: number): string[] {
  const out: string[] = [];
  let last = Number.NaN;
  for (let i = lo; i < hi; i++) {
    const day = Math.floor((obs[i]! + BEIJING_OFFSET_MS) / DAY_MS);
    if (day !== last) {
      out.push(beijingDate(obs[i]!));
      last = day;
    }
  }
  return out;
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
