// The coverage models a world can be made with: how the network serves people
// who live or work near a city border. The stay engine must be right on all of
// them, so none is the "real" one (see the README's table).
import { Rng } from './rng.ts';

export const COVERAGE_MODELS = ['pingpong', 'mixing', 'zones', 'mislocated', 'dense'] as const;
export type CoverageModel = (typeof COVERAGE_MODELS)[number];

export const COVERAGE_HELP: Record<CoverageModel, string> = {
  pingpong:
    'border residents alternate in dwell blocks between their own and the neighbour’s border cell (mean 50 / 18 min), some nights camped on the neighbour for 3-5.5 h; commuters work on the neighbour’s border cell with some of its centre cells',
  mixing:
    'every record of a border resident is served independently by the neighbour’s border cell (a share drawn per person from 0.1 to 0.6) or by one of the own city’s inner cells',
  zones:
    'border residents spend nights, evenings and weekends in the border zone (the neighbour’s border cell serves 30-50 % of records there) and weekday working hours in their own city’s centre; commuters work in the neighbour’s border zone (their home city’s border cell serves 30-50 % there)',
  mislocated:
    'pingpong movement, but cells.csv gives 10 % of cells a position off by up to 2 km, and 0.1 % of cells (at least 3 per operator) a neighbouring city’s region code',
  dense:
    'zones coverage, with every border resident, commuter and day tripper living in one of the city pairs whose centres are under 40 km apart',
};

export function isCoverageModel(v: string): v is CoverageModel {
  return (COVERAGE_MODELS as readonly string[]).includes(v);
}

/** Stream of the cells.csv distortions of the mislocated model (apart from the geography's stream). */
const STREAM_MISLOCATED = 7;

export interface CellDistortion {
  /** Position written to cells.csv (the network's true position stays in the cell table). */
  lat: Float64Array;
  lon: Float64Array;
  /** City index written to cells.csv. */
  city: Int32Array;
  moved: number;
  recoded: number;
}

/**
 * The registry an operator would export with the mislocated model's errors: a
 * share of positions off by up to 2 km, a few region codes of a neighbouring
 * city. The people are still served by the true cells (the truth does not change).
 */
export function distortRegistry(
  cells: { lat: Float64Array; lon: Float64Array; city: Int32Array; op: Uint8Array },
  neighboursOf: (city: number) => number[],
  seed: number,
): CellDistortion {
  const rng = new Rng(seed, STREAM_MISLOCATED);
  const n = cells.lat.length;
  const lat = Float64Array.from(cells.lat);
  const lon = Float64Array.from(cells.lon);
  const city = Int32Array.from(cells.city);
  let moved = 0;
  for (let i = 0; i < n; i++) {
    if (!rng.chance(0.1)) continue;
    const d = rng.next() * 2;
    const a = rng.next() * 2 * Math.PI;
    lat[i] = Math.round((lat[i]! + (Math.sin(a) * d) / 110.6) * 1e5) / 1e5;
    const kmLon = 111.32 * Math.max(0.2, Math.cos((cells.lat[i]! * Math.PI) / 180));
    lon[i] = Math.round((lon[i]! + (Math.cos(a) * d) / kmLon) * 1e5) / 1e5;
    moved++;
  }
  // Wrong region codes: 0.1 % of each operator's cells, at least 3, among cells of cities with a neighbour.
  let recoded = 0;
  for (let op = 0; op < 3; op++) {
    const mine: number[] = [];
    for (let i = 0; i < n; i++) if (cells.op[i] === op && neighboursOf(cells.city[i]!).length > 0) mine.push(i);
    const k = Math.max(3, Math.round(mine.length * 0.001));
    for (const i of rng.shuffle(mine).slice(0, k)) {
      city[i] = rng.pick(neighboursOf(cells.city[i]!));
      recoded++;
    }
  }
  return { lat, lon, city, moved, recoded };
}
