import { describe, expect, it } from 'vitest';
import { DEFAULT_COLOUR_RULES, evaluateColour, type Facts, parseColourRules } from './colour-rules.ts';
import { defaultAreaName, type EpidemicArea, type ItinerarySummary, matchItinerary } from './epidemic-areas.ts';

const itinerary: ItinerarySummary = {
  windowStart: '2022-08-25T00:00:00+08:00',
  windowEnd: '2022-09-08T00:00:00+08:00',
  updatedAt: '2022-09-08T08:47:05+08:00',
  cities: [
    { code: '360100', province: '江西省', city: '南昌市' },
    { code: '420100', province: '湖北省', city: '武汉市' },
  ],
  countries: [{ code: 'JP', name: '日本' }],
};
const hubei: EpidemicArea = {
  id: 'a1',
  scope: 'province',
  code: '420000',
  name: '湖北省',
  from: '2022-09-01',
  to: null,
};
const abroad: EpidemicArea = { id: 'a2', scope: 'abroad', code: '', name: '境外', from: '2022-01-01', to: null };

describe('epidemic-area matching', () => {
  it('finds provinces, cities and abroad within the effective dates', () => {
    expect(matchItinerary(itinerary, [hubei, abroad]).map((h) => h.place)).toEqual(['湖北省武汉市', '日本']);
    const city: EpidemicArea = { ...hubei, id: 'a3', scope: 'city', code: '420100', name: '武汉市' };
    expect(matchItinerary(itinerary, [city])).toHaveLength(1);
    expect(
      matchItinerary({ ...itinerary, cities: itinerary.cities.slice(0, 1), countries: [] }, [hubei, abroad]),
    ).toEqual([]);
  });
  it('ignores listings not in force during the window', () => {
    expect(matchItinerary(itinerary, [{ ...hubei, from: '2022-09-08' }])).toEqual([]);
    expect(matchItinerary(itinerary, [{ ...hubei, from: '2022-08-01', to: '2022-08-24' }])).toEqual([]);
    expect(matchItinerary(itinerary, [{ ...hubei, from: '2022-08-01', to: '2022-08-25' }])).toHaveLength(1);
    expect(matchItinerary(itinerary, [{ ...hubei, from: '2022-09-07' }])).toHaveLength(1);
  });
  it('names areas', () => {
    expect(defaultAreaName('province', '420000')).toBe('湖北省');
    expect(defaultAreaName('city', '420100')).toBe('湖北省武汉市');
    expect(defaultAreaName('abroad', '')).toBe('境外');
    expect(defaultAreaName('province', '420100')).toBeUndefined();
  });
});

const none: Facts = { declaredSojourn: false, itineraryHits: [], symptoms: false, closeContact: false, office: null };

describe('colour rules', () => {
  it('is green with nothing, red for sojourn (declared or from the itinerary), yellow for symptoms', () => {
    expect(evaluateColour(none, DEFAULT_COLOUR_RULES).colour).toBe('green');
    expect(evaluateColour({ ...none, declaredSojourn: true }, DEFAULT_COLOUR_RULES).colour).toBe('red');
    const v = evaluateColour(
      { ...none, itineraryHits: [{ areaName: '湖北省', place: '湖北省武汉市' }] },
      DEFAULT_COLOUR_RULES,
    );
    expect(v.colour).toBe('red');
    expect(v.reasons[0]!.zh).toContain('湖北省武汉市');
    expect(evaluateColour({ ...none, symptoms: true }, DEFAULT_COLOUR_RULES).colour).toBe('yellow');
    expect(
      evaluateColour({ ...none, symptoms: true, office: { colour: 'red', reason: '密接' } }, DEFAULT_COLOUR_RULES)
        .reasons,
    ).toHaveLength(2);
  });
  it('follows the city configuration and keeps the fixed red rules', () => {
    const rules = parseColourRules([{ when: 'closeContact', colour: 'red' }]);
    expect(Array.isArray(rules)).toBe(true);
    if (!Array.isArray(rules)) return;
    expect(evaluateColour({ ...none, closeContact: true }, rules).colour).toBe('red');
    expect(evaluateColour({ ...none, symptoms: true }, rules).colour).toBe('green');
    expect(evaluateColour({ ...none, declaredSojourn: true }, rules).colour).toBe('red');
    expect(parseColourRules([{ when: 'epidemicSojourn', colour: 'yellow' }])).toMatch(/always red/);
    expect(parseColourRules([{ when: 'x', colour: 'red' }])).toMatch(/unknown/);
  });
});

describe('a skipped itinerary check (itineraryUnverified)', () => {
  const facts: Facts = {
    declaredSojourn: false,
    itineraryHits: [],
    symptoms: false,
    closeContact: false,
    office: null,
    itineraryUnverified: true,
  };
  it('gives no colour by default and is the city’s to map', () => {
    expect(evaluateColour(facts, DEFAULT_COLOUR_RULES).colour).toBe('green');
    const rules = parseColourRules([{ when: 'itineraryUnverified', colour: 'yellow' }]);
    if (typeof rules === 'string') throw new Error(rules);
    const v = evaluateColour(facts, rules);
    expect(v.colour).toBe('yellow');
    expect(v.reasons.map((r) => r.zh)).toEqual(['未授权查询通信行程（行程未核验）']);
    expect(evaluateColour({ ...facts, itineraryUnverified: false }, rules).colour).toBe('green');
  });
});
