// compute's flat window results against the plain union of each subscriber's days.
import type { DayOutput } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowResults } from '../src/compute/window-results.ts';

const CODES = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const day: fc.Arbitrary<DayOutput> = fc.record({
  cities: fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 6 }),
  countries: fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 3 }),
  hadRecord: fc.boolean(),
});

describe('window results', () => {
  it('hold each subscriber’s distinct cities and countries of the window, sorted, and whether it had a record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 199 }), fc.array(day, { minLength: 9, maxLength: 9 })), {
          maxLength: 300,
        }),
        (windowFrom, calls) => {
          const r = new WindowResults(200, windowFrom, 9);
          const want = new Map<number, { cities: string[]; countries: string[]; had: boolean }>();
          for (const [sub, days] of calls) {
            r.add(sub, days);
            const w = days.slice(windowFrom);
            want.set(sub, {
              cities: [...new Set(w.flatMap((d) => d.cities))].map((x) => CODES[x]!).sort(),
              countries: [...new Set(w.flatMap((d) => d.countries))].map((x) => CODES[x]!).sort(),
              had: w.some((d) => d.hadRecord),
            });
          }
          for (let sub = 0; sub < 200; sub++) {
            const w = want.get(sub) ?? { cities: [], countries: [], had: false };
            expect(r.cities(sub, CODES)).toEqual(w.cities);
            expect(r.countries(sub, CODES)).toEqual(w.countries);
            expect(r.hadRecord(sub)).toBe(w.had);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
