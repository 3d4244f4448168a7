import { readFileSync } from 'node:fs';
import { Check } from 'typebox/schema';
import { describe, expect, it } from 'vitest';
import { CHECK_FILE, checkModule } from '../../scripts/wire-checks.ts';
import { isItineraryAnswer } from './is-itinerary-answer.ts';
import { ItineraryAnswerSchema } from './itinerary-answer.ts';

const GOOD = {
  phone: '138****0001',
  updatedAt: '2022-09-08T08:47:05+08:00',
  windowDays: 7,
  windowStart: '2022-09-01T00:00:00+08:00',
  windowEnd: '2022-09-08T00:00:00+08:00',
  cities: [{ code: '360100', province: '江西省', city: '南昌市', risk: true }],
  countries: [{ code: 'JP', name: '日本' }],
  notes: ['*'],
  cardColor: 'yellow',
  date: '2022-09-08',
  riskFootnote: '*',
  disclaimer: '…',
};

describe('the generated check of the itinerary answer', () => {
  it('is what the schema generates now (run scripts/wire-checks.ts after changing the schema)', () => {
    expect(readFileSync(CHECK_FILE, 'utf8')).toBe(checkModule());
  });

  it("agrees with TypeBox's own check of the schema", () => {
    const { cities: _c, ...noCities } = GOOD;
    const cases: unknown[] = [
      GOOD,
      { ...GOOD, extra: 1 },
      { ...GOOD, cardColor: undefined, date: undefined, riskFootnote: undefined, disclaimer: undefined },
      noCities,
      { ...GOOD, windowDays: 7.5 },
      { ...GOOD, cardColor: 'red' },
      { ...GOOD, cities: [{ code: '360100', province: '江西省', city: '南昌市' }] },
      { ...GOOD, countries: [{ code: 'JP', name: 1 }] },
      { ...GOOD, notes: [null] },
      null,
      [],
      'answer',
    ];
    for (const c of cases) expect(isItineraryAnswer(c), JSON.stringify(c)).toBe(Check(ItineraryAnswerSchema, c));
    expect(cases.map((c) => isItineraryAnswer(c))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
