import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCellModel, type CellSite, MAX_COVER } from './cell-model.ts';

/** The definition, pair by pair: every cell of another city within the radius (haversine), nearest cities first. */
function coverByDefinition(cells: readonly CellSite[], radiusKm: number): number[][] {
  const toRad = Math.PI / 180;
  const km = (a: CellSite, b: CellSite) => {
    const h =
      Math.sin(((b.lat - a.lat) * toRad) / 2) ** 2 +
      Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(((b.lon - a.lon) * toRad) / 2) ** 2;
    return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
  };
  return cells.map((c) => {
    const best = new Map<number, number>();
    for (const o of cells) {
      if (o.city === c.city) continue;
      const d = km(c, o);
      if (d <= radiusKm && !(best.get(o.city)! <= d)) best.set(o.city, d);
    }
    return [...best]
      .sort((a, b) => a[1] - b[1] || a[0] - b[0])
      .slice(0, MAX_COVER)
      .map(([city]) => city);
  });
}

function coverOf(cells: readonly CellSite[], cities: number, radiusKm?: number): number[][] {
  const m = buildCellModel(cells, cities, radiusKm);
  return cells.map((_, i) => [...m.coverCities.subarray(i * MAX_COVER, (i + 1) * MAX_COVER)].filter((c) => c >= 0));
}

describe('the cell model', () => {
  it('finds the neighbouring cities of each cell, nearest first, as the pairwise definition does', () => {
    // Cells scattered over a small area (several buckets), across latitudes from the equator to the far north.
    const site = (lat0: number) =>
      fc.record({
        city: fc.integer({ min: 0, max: 5 }),
        lat: fc.double({ min: lat0, max: lat0 + 0.3, noNaN: true }),
        lon: fc.double({ min: 115, max: 115.4, noNaN: true }),
      });
    const world = fc.oneof(...[0, 30, 52, 75].map((lat0) => fc.array(site(lat0), { minLength: 1, maxLength: 120 })));
    fc.assert(
      fc.property(world, fc.constantFrom(2, 6, 10), (cells, radius) => {
        expect(coverOf(cells, 6, radius)).toEqual(coverByDefinition(cells, radius));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps at most MAX_COVER cities, breaking distance ties by city index', () => {
    // Four other cities' cells at the same distance east, west, north and south of cell 0.
    const cells: CellSite[] = [
      { city: 0, lat: 30, lon: 115 },
      { city: 4, lat: 30, lon: 115.03 },
      { city: 3, lat: 30, lon: 114.97 },
      { city: 2, lat: 30.02, lon: 115 },
      { city: 1, lat: 29.98, lon: 115 },
    ];
    expect(coverOf(cells, 5)[0]).toEqual(coverByDefinition(cells, 6)[0]);
    expect(coverOf(cells, 5)[0]).toHaveLength(MAX_COVER);
    // No neighbour within the radius: nothing.
    expect(
      coverOf(
        [
          { city: 0, lat: 30, lon: 115 },
          { city: 1, lat: 30, lon: 115.2 },
        ],
        2,
      ),
    ).toEqual([[], []]);
  });
});
