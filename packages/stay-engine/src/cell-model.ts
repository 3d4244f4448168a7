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

/**
 * Builds the model from cell positions: a cell cross-covers city Y when a cell
 * of Y stands within `radiusKm` of it (a grid of ~radius-sized buckets keeps
 * this linear in the number of cells). Nearest cities first.
 */
export function buildCellModel(cells: readonly CellSite[], cityCount: number, radiusKm = 6): CellModel {
  const n = cells.length;
  const toRad = Math.PI / 180;
  const cellCity = new Int32Array(n);
  const cellX = new Float64Array(n);
  const cellY = new Float64Array(n);
  const cellKmPerDegLon = new Float64Array(n);
  const cosLat = new Float64Array(n);
  const coverCities = new Int32Array(n * MAX_COVER).fill(-1);
  const cellDeg = radiusKm / 111; // bucket size in degrees of latitude
  const grid = new Map<number, number[]>();
  // Bucket (gy, gx) as one number: gx (searched a few buckets beyond ±180°) stays within ±half.
  const half = Math.ceil(180 / cellDeg) + 8;
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    cellCity[i] = c.city;
    cellX[i] = c.lon;
    cellY[i] = c.lat;
    cellKmPerDegLon[i] = 111.32 * Math.cos((c.lat * Math.PI) / 180);
    cosLat[i] = Math.cos(c.lat * toRad);
    const k = Math.floor(c.lat / cellDeg) * 2 * half + Math.floor(c.lon / cellDeg) + half;
    const bucket = grid.get(k);
    if (bucket) bucket.push(i);
    else grid.set(k, [i]);
  }
  // A pair is within the radius when its haversine term is at most this; a
  // pair further apart in latitude alone than the radius never is
  // (the distance is at least EARTH_KM × the latitude difference in radians).
  const maxHav = Math.sin(radiusKm / (2 * EARTH_KM)) ** 2 * (1 + 1e-9);
  const maxDLat = (radiusKm / EARTH_KM) * (1 + 1e-9);
  // The nearest cell's distance per other city found around the current cell.
  const nearCity = new Int32Array(cityCount);
  const nearD = new Float64Array(cityCount);
  let found = 0;
  for (let i = 0; i < n; i++) {
    const city = cellCity[i]!;
    const lat = cellY[i]!;
    const lon = cellX[i]!;
    const gy = Math.floor(lat / cellDeg);
    // Longitude buckets shrink with latitude: widen the search accordingly.
    const span = Math.ceil(1 / Math.max(0.2, Math.cos((lat * Math.PI) / 180)));
    const gx = Math.floor(lon / cellDeg);
    found = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -span; dx <= span; dx++) {
        const bucket = grid.get((gy + dy) * 2 * half + gx + dx + half);
        if (bucket === undefined) continue;
        for (let b = 0; b < bucket.length; b++) {
          const j = bucket[b]!;
          const other = cellCity[j]!;
          if (other === city) continue;
          const dLat = (cellY[j]! - lat) * toRad;
          if (dLat > maxDLat || dLat < -maxDLat) continue;
          const dLon = (cellX[j]! - lon) * toRad;
          // distanceKm's terms, with the cosines computed once per cell.
          const a = Math.sin(dLat / 2) ** 2 + cosLat[i]! * cosLat[j]! * Math.sin(dLon / 2) ** 2;
          if (a > maxHav) continue;
          const d = 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
          if (d > radiusKm) continue;
          let f = 0;
          while (f < found && nearCity[f] !== other) f++;
          if (f === found) {
            nearCity[f] = other;
            nearD[f] = d;
            found++;
          } else if (d < nearD[f]!) nearD[f] = d;
        }
      }
    }
    // The MAX_COVER nearest cities, nearest first (ties: lower city index).
    for (let k = 0; k < MAX_COVER && k < found; k++) {
      let m = k;
      for (let f = k + 1; f < found; f++) {
        if (nearD[f]! < nearD[m]! || (nearD[f] === nearD[m] && nearCity[f]! < nearCity[m]!)) m = f;
      }
      const c = nearCity[m]!;
      const d = nearD[m]!;
      nearCity[m] = nearCity[k]!;
      nearD[m] = nearD[k]!;
      nearCity[k] = c;
      nearD[k] = d;
      coverCities[i * MAX_COVER + k] = c;
    }
  }
  return { cellCity, coverCities, cellX, cellY, cellKmPerDegLon, cityCount };
}
