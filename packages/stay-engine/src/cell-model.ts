// What the engine knows of the radio network: each cell's city and the
// neighbouring cities it may cross-cover (cells of another city within a few
// kilometres), derived from the cell registry's positions.

/** Most neighbouring cities a single cell is taken to cross-cover. */
export const MAX_COVER = 3;

export interface CellModel {
  /** City index of each cell. */
  cellCity: Int32Array;
  /** MAX_COVER entries per cell: other cities this cell may serve phones in, -1 padded. */
  coverCities: Int32Array;
  /** Longitude (x) and latitude (y) of each cell in degrees, for stationarity tests. */
  cellX: Float64Array;
  cellY: Float64Array;
  /** Kilometres per degree of longitude at each cell's latitude. */
  cellKmPerDegLon: Float64Array;
  cityCount: number;
}

export interface CellSite {
  city: number;
  lat: number;
  lon: number;
}

const EARTH_KM = 6371;
export const KM_PER_DEG_LAT = 110.574;

function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Builds the model from cell positions: a cell cross-covers city Y when a cell
 * of Y stands within `radiusKm` of it (a grid of ~radius-sized buckets keeps
 * this linear in the number of cells). Nearest cities first.
 */
export function buildCellModel(cells: readonly CellSite[], cityCount: number, radiusKm = 6): CellModel {
  const n = cells.length;
  const cellCity = new Int32Array(n);
  const cellX = new Float64Array(n);
  const cellY = new Float64Array(n);
  const cellKmPerDegLon = new Float64Array(n);
  const coverCities = new Int32Array(n * MAX_COVER).fill(-1);
  const cellDeg = radiusKm / 111; // bucket size in degrees of latitude
  const grid = new Map<number, number[]>();
  // Bucket (gy, gx) as one number: gx (searched a few buckets beyond ±180°) stays within ±half.
  const half = Math.ceil(180 / cellDeg) + 8;
  const bucketKey = (gy: number, gx: number) => gy * 2 * half + gx + half;
  const keyOf = (la: number, lo: number) => bucketKey(Math.floor(la / cellDeg), Math.floor(lo / cellDeg));
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    cellCity[i] = c.city;
    cellX[i] = c.lon;
    cellY[i] = c.lat;
    cellKmPerDegLon[i] = 111.32 * Math.cos((c.lat * Math.PI) / 180);
    const k = keyOf(c.lat, c.lon);
    const bucket = grid.get(k);
    if (bucket) bucket.push(i);
    else grid.set(k, [i]);
  }
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    const gy = Math.floor(c.lat / cellDeg);
    // Longitude buckets shrink with latitude: widen the search accordingly.
    const span = Math.ceil(1 / Math.max(0.2, Math.cos((c.lat * Math.PI) / 180)));
    const gx = Math.floor(c.lon / cellDeg);
    const best = new Map<number, number>();
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -span; dx <= span; dx++) {
        const bucket = grid.get(bucketKey(gy + dy, gx + dx));
        if (!bucket) continue;
        for (const j of bucket) {
          const o = cells[j]!;
          if (o.city === c.city) continue;
          const d = distanceKm(c.lat, c.lon, o.lat, o.lon);
          if (d > radiusKm) continue;
          const prev = best.get(o.city);
          if (prev === undefined || d < prev) best.set(o.city, d);
        }
      }
    }
    const near = [...best].sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, MAX_COVER);
    for (let k = 0; k < near.length; k++) coverCities[i * MAX_COVER + k] = near[k]![0];
  }
  return { cellCity, coverCities, cellX, cellY, cellKmPerDegLon, cityCount };
}
