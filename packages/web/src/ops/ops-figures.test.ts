import { describe, expect, it } from 'vitest';
import { axisMin, prf, shares } from './ops-figures.ts';

describe('operations page figures', () => {
  it('gives precision, recall and F1 that differ when errors differ', () => {
    expect(prf(90, 10, 0)).toEqual([90, 100, 94.7]);
    expect(prf(90, 0, 30)).toEqual([100, 75, 85.7]);
    expect(prf(0, 0, 0)).toEqual([100, 100, 100]);
  });

  it('chooses the axis from the data, not a fixed 95', () => {
    expect(axisMin([99.6, 100])).toBe(99);
    expect(axisMin([93.2, 99])).toBe(92);
    expect(axisMin([71, 99])).toBe(65);
    expect(axisMin([12, 80])).toBe(0);
  });

  it('counts server failures (5xx) apart from user outcomes (4xx)', () => {
    // Ordinary use: wrong codes, new numbers, no data: user outcomes, no failure.
    expect(
      shares({ login: { total: 10, client: 6, server: 0 }, itinerary: { total: 10, client: 4, server: 0 } }),
    ).toEqual({
      server: 0,
      user: 50,
    });
    expect(shares({ itinerary: { total: 8, client: 2, server: 2 } })).toEqual({ server: 25, user: 25 });
    expect(shares({})).toEqual({ server: 0, user: 0 });
  });
});
