// The simulated country: real prefecture-level cities (data/china-cities.json,
// built by scripts/build-geo.ts) and, per operator, cells near each city centre
// and on both sides of every shared border.
import { readFileSync } from 'node:fs';
import { OPERATORS, type Operator } from '@itinerary-card/domain';
import { Rng, STREAM } from './rng.ts';

export interface City {
  idx: number;
  code: string;
  name: string;
  lat: number;
  lon: number;
  radiusKm: number;
  /** Relative population weight for home and destination choice. */
  weight: number;
  neighbours: Array<{ idx: number; border: Array<[number, number]> }>;
}

interface CityFile {
  cities: Array<{
    code: string;
    name: string;
    lat: number;
    lon: number;
    radiusKm: number;
    fallback?: boolean;
    neighbours: Array<{ code: string; border: Array<[number, number]> }>;
  }>;
}

const OPERATOR_PLMN: Record<Operator, string> = { cmcc: '46000', cucc: '46001', ctcc: '46011' };
export const OP_INDEX: Record<Operator, number> = { cmcc: 0, cucc: 1, ctcc: 2 };

const MUNICIPALITIES = new Set(['110000', '120000', '310000', '500000']);

let citiesCache: City[] | undefined;

export function loadCities(): City[] {
  if (citiesCache) return citiesCache;
  const doc = JSON.parse(readFileSync(new URL('../data/china-cities.json', import.meta.url), 'utf8')) as CityFile;
  const index = new Map(doc.cities.map((c, i) => [c.code, i]));
  citiesCache = doc.cities.map((c, idx) => ({
    idx,
    code: c.code,
    name: c.name,
    lat: c.lat,
    lon: c.lon,
    radiusKm: c.radiusKm,
    weight: MUNICIPALITIES.has(c.code) ? 8 : c.code.endsWith('0100') ? 4 : c.fallback ? 0.2 : 1,
    neighbours: c.neighbours.map((n) => ({ idx: index.get(n.code)!, border: n.border })),
  }));
  return citiesCache;
}

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(h));
}

/** Cells as parallel arrays (a world has tens of thousands). */
export interface CellTable {
  id: string[];
  op: Uint8Array;
  lat: Float64Array;
  lon: Float64Array;
  city: Int32Array;
  /** centre[cityIdx][opIdx]: cell indices near the city centre. */
  centre: number[][][];
  /** all[cityIdx][opIdx]: every cell of the city (centre and border). */
  all: number[][][];
  /** border[cityIdx][opIdx].get(neighbourIdx)[p]: the city's cell on its own side of border point p. */
  border: Array<Array<Map<number, number[]>>>;
  /** Number of cells each operator has (unknown ids are drawn beyond it). */
  perOperator: number[];
}

/** ECGI-like id: MCC+MNC, dash, 28-bit E-UTRAN cell id in hex; a bijection of k so ids never collide. */
export function cellId(op: Operator, k: number): string {
  const eci = Math.imul(k + 1, 0x9e3779b1) & 0xfffffff;
  return `${OPERATOR_PLMN[op]}-${eci.toString(16).toUpperCase().padStart(7, '0')}`;
}

export function buildCells(cities: City[], seed: number): CellTable {
  const rng = new Rng(seed, STREAM.geography);
  const id: string[] = [];
  const op: number[] = [];
  const lat: number[] = [];
  const lon: number[] = [];
  const city: number[] = [];
  const perOperator = [0, 0, 0];
  const add = (o: Operator, c: City, la: number, lo: number): number => {
    const oi = OP_INDEX[o];
    id.push(cellId(o, perOperator[oi]!++));
    op.push(oi);
    lat.push(Math.round(la * 1e5) / 1e5);
    lon.push(Math.round(lo * 1e5) / 1e5);
    city.push(c.idx);
    return id.length - 1;
  };
  const kmLat = 1 / 110.6;
  const centre: number[][][] = [];
  const all: number[][][] = [];
  const border: Array<Array<Map<number, number[]>>> = [];
  for (const c of cities) {
    const kmLon = kmLat / Math.max(0.2, Math.cos((c.lat * Math.PI) / 180));
    const cc: number[][] = [];
    const ca: number[][] = [];
    const cb: Array<Map<number, number[]>> = [];
    for (const o of OPERATORS) {
      const n = c.weight >= 4 ? 8 : c.weight >= 1 ? 4 : 2;
      const spread = Math.min(10, c.radiusKm * 0.25);
      const list: number[] = [];
      for (let k = 0; k < n; k++) {
        const ang = rng.next() * 2 * Math.PI;
        const d = Math.sqrt(rng.next()) * spread;
        list.push(add(o, c, c.lat + Math.sin(ang) * d * kmLat, c.lon + Math.cos(ang) * d * kmLon));
      }
      const bmap = new Map<number, number[]>();
      for (const nb of c.neighbours) {
        const cellsAtPoints: number[] = [];
        for (const [bla, blo] of nb.border) {
          // 1.5 km from the border line towards the city's own centre.
          const dy = (c.lat - bla) / kmLat;
          const dx = (c.lon - blo) / kmLon;
          const len = Math.max(1e-6, Math.hypot(dx, dy));
          const k = Math.min(1.5, len * 0.5) / len;
          cellsAtPoints.push(add(o, c, bla + dy * k * kmLat, blo + dx * k * kmLon));
        }
        bmap.set(nb.idx, cellsAtPoints);
      }
      cc.push(list);
      ca.push([...list, ...[...bmap.values()].flat()]);
      cb.push(bmap);
    }
    centre.push(cc);
    all.push(ca);
    border.push(cb);
  }
  return {
    id,
    op: Uint8Array.from(op),
    lat: Float64Array.from(lat),
    lon: Float64Array.from(lon),
    city: Int32Array.from(city),
    centre,
    all,
    border,
    perOperator,
  };
}
