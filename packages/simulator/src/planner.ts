// Where a subscriber truly is, minute by minute: the persona becomes a list of
// segments (in a city in some mode, abroad) with gaps for flights, plus the
// intervals the phone is switched off. This is the ground truth's source.
import { countryOfPlmn, DAY_MS, HOUR_MS, plmnsOfCountry } from '@itinerary-card/domain';
import type { CoverageModel } from './coverage.ts';
import { type City, distanceKm } from './geography.ts';
import type { Persona } from './population.ts';
import type { Rng } from './rng.ts';

const MIN_MS = 60_000;

/** How the serving cell is chosen while in a city. */
export type Mode =
  | { m: 'home'; slot: number }
  | { m: 'border'; nb: number; p: number; switches: number[] }
  | { m: 'work'; nb: number; p: number }
  /** Each record: the neighbour's border cell at point p with probability `share`, else one of the city's inner cells. */
  | { m: 'mix'; nb: number; p: number; share: number }
  /** In the border zone: each record the neighbour's border cell with probability `share`, else the city's own. */
  | { m: 'zone'; nb: number; p: number; share: number }
  | { m: 'move' };

export type Segment =
  | { k: 'dom'; city: number; start: number; end: number; mode: Mode }
  | { k: 'abroad'; country: string; plmns: string[]; roaming: boolean; start: number; end: number };

export interface Plan {
  segments: Segment[];
  /** Phone switched off (night), sorted, disjoint. */
  offs: Array<[number, number]>;
  homeCity: number;
}

/** Destinations abroad with flight hours from the mainland; HK/MO/TW are regions. */
const ABROAD: Array<[string, number, number, number]> = [
  // country, weight, min flight h, max flight h
  ['HK', 5, 1.5, 3],
  ['MO', 2, 1.5, 3],
  ['TW', 1, 2, 3],
  ['JP', 4, 2.5, 4],
  ['KR', 3, 2, 3.5],
  ['TH', 3, 3.5, 5],
  ['SG', 2, 4, 5.5],
  ['MY', 1, 4, 5.5],
  ['VN', 1, 2.5, 4],
  ['AE', 1, 7, 9],
  ['RU', 1, 6, 9],
  ['US', 2, 11, 14],
  ['GB', 1, 10, 12],
  ['FR', 1, 10, 12],
  ['DE', 1, 10, 12],
  ['IT', 1, 10, 12],
];
const ABROAD_CUM = (() => {
  const c = new Float64Array(ABROAD.length);
  let s = 0;
  ABROAD.forEach((a, i) => {
    s += a[1];
    c[i] = s;
  });
  return c;
})();
const PLMN_CACHE = new Map<string, string[]>();
function plmns(country: string): string[] {
  let p = PLMN_CACHE.get(country);
  if (!p) {
    // Only networks that map back to the country (domain's countryOfPlmn), as the pipeline will read them.
    p = plmnsOfCountry(country).filter((x) => countryOfPlmn(x) === country);
    if (p.length === 0) throw new Error(`no PLMN known for ${country}`);
    PLMN_CACHE.set(country, p);
  }
  return p;
}

export interface PlanContext {
  cities: City[];
  /** Cumulative weights over all cities (home choice). */
  homeCum: Float64Array;
  /** Indices of cities with at least one neighbour, and their cumulative weights. */
  connected: number[];
  connectedCum: Float64Array;
  /** Large cities (weight >= 4) as flight destinations. */
  hubs: number[];
  startMs: number;
  endMs: number;
  /** How border cells serve people near a border (coverage.ts); pingpong when absent. */
  coverage?: CoverageModel;
  /** dense model: the cities of a pair whose centres are under 40 km apart, their weights, and their partners. */
  dense?: { cities: number[]; cum: Float64Array; partners: Map<number, number[]> };
}

class Timeline {
  t: number;
  readonly segments: Segment[] = [];
  constructor(
    start: number,
    private readonly end: number,
  ) {
    this.t = start;
  }
  get done(): boolean {
    return this.t >= this.end;
  }
  dom(city: number, until: number, mode: Mode): void {
    const u = sec(Math.min(until, this.end));
    if (u <= this.t) return;
    const last = this.segments[this.segments.length - 1];
    // Extend rather than split a stay in the same city and mode.
    if (last && last.k === 'dom' && last.city === city && last.end === this.t && sameMode(last.mode, mode)) {
      last.end = u;
    } else this.segments.push({ k: 'dom', city, start: this.t, end: u, mode });
    this.t = u;
  }
  gap(until: number): void {
    this.t = Math.max(this.t, sec(Math.min(until, this.end)));
  }
  abroad(country: string, ps: string[], roaming: boolean, until: number): void {
    const u = sec(Math.min(until, this.end));
    if (u <= this.t) return;
    this.segments.push({ k: 'abroad', country, plmns: ps, roaming, start: this.t, end: u });
    this.t = u;
  }
}

/** Segment boundaries fall on whole seconds, like the records. */
function sec(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}

function sameMode(a: Mode, b: Mode): boolean {
  return a.m === b.m && a.m !== 'border' && (a.m !== 'home' || a.slot === (b as { slot: number }).slot);
}

function pickConnected(ctx: PlanContext, rng: Rng): number {
  if (ctx.dense) return ctx.dense.cities[rng.weighted(ctx.dense.cum)]!;
  return ctx.connected[rng.weighted(ctx.connectedCum)]!;
}

/** The neighbour a person near a border lives or works by: in the dense model, the close partner city. */
function pickNeighbour(ctx: PlanContext, city: City, rng: Rng): City['neighbours'][number] {
  const partners = ctx.dense?.partners.get(city.idx);
  if (partners) return rng.pick(city.neighbours.filter((n) => partners.includes(n.idx)));
  return rng.pick(city.neighbours);
}

/** Every model but the pingpong ones puts commuters in the neighbour's border zone, served by both cities' cells. */
function zoneCoverage(ctx: PlanContext): boolean {
  return ctx.coverage === 'mixing' || ctx.coverage === 'zones' || ctx.coverage === 'dense';
}

function dayStart(ctx: PlanContext, d: number): number {
  return ctx.startMs + d * DAY_MS;
}

/** Beijing weekday of simulated day d (0 = Sunday). */
function weekday(ctx: PlanContext, d: number): number {
  return new Date(dayStart(ctx, d) + 8 * HOUR_MS).getUTCDay();
}

function at(ctx: PlanContext, d: number, hours: number): number {
  return dayStart(ctx, d) + Math.round(hours * 60) * MIN_MS;
}

export function makePlan(persona: Persona, ctx: PlanContext, rng: Rng): Plan {
  const { cities, startMs: S, endMs: E } = ctx;
  const days = Math.round((E - S) / DAY_MS);
  const needsNeighbour = persona === 'border_resident' || persona === 'commuter' || persona === 'day_tripper';
  const home = needsNeighbour || persona === 'train_traveller' ? pickConnected(ctx, rng) : rng.weighted(ctx.homeCum);
  const homeMode: Mode = { m: 'home', slot: rng.int(8) };
  const tl = new Timeline(S, E);
  const offs: Array<[number, number]> = [];
  const H = cities[home]!;

  switch (persona) {
    case 'home':
      tl.dom(home, E, homeMode);
      break;
    case 'night_off': {
      tl.dom(home, E, homeMode);
      for (let d = -1; d < days; d++) {
        if (!rng.chance(0.9)) continue;
        const off = at(ctx, d, rng.range(22, 24.5));
        const on = at(ctx, d + 1, rng.range(6, 8));
        if (on > S && off < E) offs.push([Math.max(off, S), Math.min(on, E)]);
      }
      break;
    }
    case 'border_resident': {
      if (zoneCoverage(ctx)) {
        borderResident(tl, ctx, rng, H, homeMode, days);
        break;
      }
      const nbi = rng.int(H.neighbours.length);
      const nb = H.neighbours[nbi]!;
      const switches: number[] = [];
      let t = S;
      let own = true;
      let campedNight = -1;
      while (t < E) {
        let dwell = Math.min(120, Math.max(2, rng.exp(own ? 50 : 18))) * MIN_MS;
        // An idle phone at night may camp on the neighbour's cell for hours (the
        // cross-coverage the seed's FAQ warns about): a few nights a week, 3-5.5 h.
        const tod = (t + 8 * HOUR_MS) % DAY_MS;
        const night = Math.floor((t + 8 * HOUR_MS - 20 * HOUR_MS) / DAY_MS);
        if (!own && (tod >= 23 * HOUR_MS || tod < 2 * HOUR_MS) && night !== campedNight) {
          campedNight = night;
          if (rng.chance(0.3)) dwell = rng.range(180, 330) * MIN_MS;
        }
        t += Math.round(dwell / 1000) * 1000;
        switches.push(t);
        own = !own;
      }
      tl.dom(home, E, { m: 'border', nb: nb.idx, p: rng.int(nb.border.length), switches });
      break;
    }
    case 'commuter': {
      const nb = zoneCoverage(ctx) ? pickNeighbour(ctx, H, rng) : rng.pick(H.neighbours);
      const p = rng.int(nb.border.length);
      const work: Mode = zoneCoverage(ctx)
        ? { m: 'zone', nb: home, p, share: rng.range(0.1, 0.4) }
        : { m: 'work', nb: home, p };
      const sixDays = rng.chance(0.2);
      for (let d = 0; d < days; d++) {
        const wd = weekday(ctx, d);
        if (wd === 0 || (wd === 6 && !sixDays)) continue;
        const t1 = at(ctx, d, rng.range(7, 8.5));
        const c = rng.range(30, 70) * MIN_MS;
        const t2 = t1 + c + rng.range(8, 9) * HOUR_MS;
        tl.dom(home, t1, homeMode);
        tl.dom(home, t1 + c / 2, { m: 'move' });
        tl.dom(nb.idx, t1 + c, { m: 'move' });
        tl.dom(nb.idx, t2, work);
        tl.dom(nb.idx, t2 + c / 2, { m: 'move' });
        tl.dom(home, t2 + c, { m: 'move' });
      }
      tl.dom(home, E, homeMode);
      break;
    }
    case 'day_tripper': {
      const trips = 1 + rng.int(2);
      const tripDays = rng
        .shuffle([...Array(days).keys()])
        .slice(0, trips)
        .sort((a, b) => a - b);
      for (const d of tripDays) {
        const nb = ctx.dense ? pickNeighbour(ctx, H, rng) : rng.pick(H.neighbours);
        const t1 = at(ctx, d, rng.range(8, 13));
        const c = rng.range(30, 90) * MIN_MS;
        const inB = rng.range(2, 6) * HOUR_MS; // from crossing in to crossing out
        tl.dom(home, t1, homeMode);
        tl.dom(home, t1 + c / 2, { m: 'move' });
        tl.dom(nb.idx, t1 + c, { m: 'move' });
        tl.dom(nb.idx, t1 + c / 2 + inB - c / 2, { m: 'home', slot: rng.int(8) });
        tl.dom(nb.idx, t1 + c / 2 + inB, { m: 'move' });
        tl.dom(home, t1 + c + inB, { m: 'move' });
      }
      tl.dom(home, E, homeMode);
      break;
    }
    case 'train_traveller': {
      const path = [home];
      const hops = 2 + rng.int(3); // 1-3 intermediate cities, then the destination
      while (path.length < hops + 1) {
        const cur = cities[path[path.length - 1]!]!;
        const options = cur.neighbours.map((n) => n.idx).filter((i) => !path.includes(i));
        if (options.length === 0) break;
        path.push(rng.pick(options));
      }
      const d0 = rng.int(Math.max(1, days - 1));
      ride(tl, ctx, rng, path, at(ctx, d0, rng.range(7, 12)), homeMode);
      if (rng.chance(0.5)) {
        const back = at(ctx, d0 + 1 + rng.int(3), rng.range(8, 15));
        ride(tl, ctx, rng, [...path].reverse(), back, { m: 'home', slot: rng.int(8) });
      }
      tl.dom(tl.segments.length ? lastCity(tl) : home, E, { m: 'home', slot: rng.int(8) });
      break;
    }
    case 'flyer': {
      const far = ctx.hubs.filter((i) => distanceKm(cities[i]!, H) >= 800);
      const dest = far.length ? rng.pick(far) : rng.weighted(ctx.homeCum);
      const hours = Math.min(4, 1.2 + distanceKm(cities[dest]!, H) / 800);
      const d0 = rng.int(days);
      fly(tl, rng, home, dest, at(ctx, d0, rng.range(6, 20)), hours, homeMode);
      if (rng.chance(0.5)) fly(tl, rng, dest, home, at(ctx, d0 + 1 + rng.int(3), rng.range(8, 21)), hours, homeMode);
      tl.dom(lastCity(tl), E, homeMode);
      break;
    }
    case 'abroad_roaming':
    case 'abroad_no_roaming': {
      const roaming = persona === 'abroad_roaming';
      const [country, , fmin, fmax] = ABROAD[rng.weighted(ABROAD_CUM)]!;
      const all = plmns(country);
      const ps = all.length > 1 && rng.chance(0.3) ? [rng.pick(all), rng.pick(all)] : [rng.pick(all)];
      const flight = rng.range(fmin, fmax) * HOUR_MS;
      const variant = rng.next();
      const stayAbroad = rng.range(1, 5) * DAY_MS;
      if (!roaming && variant < 0.2) {
        // Abroad for the whole simulated time, phone silent: no record at all.
        tl.abroad(country, ps, roaming, E);
        break;
      }
      let back: number;
      if (variant < 0.35) {
        // Already abroad when the world starts, back during it.
        back = S + rng.range(0.5, Math.max(1, days - 1)) * DAY_MS;
        tl.abroad(country, ps, roaming, back);
      } else {
        const d0 = rng.int(Math.max(1, days - 1));
        const t1 = at(ctx, d0, rng.range(6, 20));
        tl.dom(home, t1, homeMode);
        tl.dom(home, t1 + rng.range(40, 90) * MIN_MS, { m: 'move' });
        tl.gap(tl.t + flight);
        back = tl.t + stayAbroad;
        tl.abroad(country, ps, roaming, back);
      }
      tl.gap(back + flight);
      tl.dom(home, tl.t + rng.range(40, 90) * MIN_MS, { m: 'move' });
      tl.dom(home, E, homeMode);
      break;
    }
  }
  return { segments: tl.segments, offs, homeCity: home };
}

/**
 * A border resident of the mixing, zones and dense models. mixing: at home all
 * the time, each record served by the neighbour's border cell or an inner cell
 * of the own city. zones: in the border zone at night, in the evening and at
 * weekends, in the city centre on working days from about 08:00 to 19:00.
 */
function borderResident(tl: Timeline, ctx: PlanContext, rng: Rng, H: City, homeMode: Mode, days: number): void {
  const nb = pickNeighbour(ctx, H, rng);
  const p = rng.int(nb.border.length);
  if (ctx.coverage === 'mixing') {
    tl.dom(H.idx, ctx.endMs, { m: 'mix', nb: nb.idx, p, share: rng.range(0.1, 0.6) });
    return;
  }
  const zone: Mode = { m: 'zone', nb: nb.idx, p, share: rng.range(0.3, 0.5) };
  for (let d = 0; d < days; d++) {
    const wd = weekday(ctx, d);
    if (wd === 0 || wd === 6) continue;
    const leave = at(ctx, d, rng.range(7.5, 8.5));
    const back = at(ctx, d, rng.range(18, 19.5));
    const ride = rng.range(20, 40) * MIN_MS;
    tl.dom(H.idx, leave, zone);
    tl.dom(H.idx, leave + ride, { m: 'move' });
    tl.dom(H.idx, back, homeMode);
    tl.dom(H.idx, back + ride, { m: 'move' });
  }
  tl.dom(H.idx, ctx.endMs, zone);
}

function lastCity(tl: Timeline): number {
  for (let i = tl.segments.length - 1; i >= 0; i--) {
    const s = tl.segments[i]!;
    if (s.k === 'dom') return s.city;
  }
  return 0;
}

/** A train ride along `path`: under 4 h in every intermediate city, handovers all along. */
function ride(tl: Timeline, _ctx: PlanContext, rng: Rng, path: number[], depart: number, before: Mode): void {
  tl.dom(path[0]!, depart, before);
  let t = Math.max(depart, tl.t) + rng.range(20, 60) * MIN_MS;
  tl.dom(path[0]!, t, { m: 'move' });
  for (let i = 1; i < path.length - 1; i++) {
    t += rng.range(0.5, 3.5) * HOUR_MS;
    tl.dom(path[i]!, t, { m: 'move' });
  }
  t += rng.range(20, 60) * MIN_MS;
  tl.dom(path[path.length - 1]!, t, { m: 'move' });
}

/** To the airport, a flight with no records, from the arrival airport. */
function fly(tl: Timeline, rng: Rng, from: number, to: number, depart: number, hours: number, before: Mode): void {
  tl.dom(from, depart, before);
  tl.dom(from, Math.max(depart, tl.t) + rng.range(40, 90) * MIN_MS, { m: 'move' });
  tl.gap(tl.t + (hours + rng.range(0.3, 0.8)) * HOUR_MS);
  tl.dom(to, tl.t + rng.range(30, 70) * MIN_MS, { m: 'move' });
}

/** Cuts the plan to the life of the number: nothing exists before it was opened. */
export function clipPlan(plan: Plan, fromMs: number): Plan {
  if (fromMs <= (plan.segments[0]?.start ?? fromMs)) return plan;
  const segments: Segment[] = [];
  for (const s of plan.segments) {
    if (s.end <= fromMs) continue;
    segments.push(s.start < fromMs ? { ...s, start: fromMs } : s);
  }
  const offs = plan.offs.filter(([, b]) => b > fromMs).map(([a, b]): [number, number] => [Math.max(a, fromMs), b]);
  return { segments, offs, homeCity: plan.homeCity };
}
