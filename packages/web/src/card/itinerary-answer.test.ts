import { describe, expect, it } from 'vitest';
import { cardColour, type ItineraryAnswer, noteTexts, placeName } from './itinerary-answer.ts';

const base: ItineraryAnswer = {
  phone: '138****0001',
  updatedAt: '2022-09-08T08:47:05+08:00',
  windowDays: 7,
  windowStart: '2022-09-01T00:00:00+08:00',
  windowEnd: '2022-09-08T00:00:00+08:00',
  cities: [],
  countries: [],
};

describe('itinerary answer on the card', () => {
  it('names a city with its province, a municipality once, and stars a risk city', () => {
    expect(placeName({ code: '360100', province: '江西省', city: '南昌市', risk: false })).toBe('江西省南昌市');
    expect(placeName({ code: '110000', province: '北京市', city: '北京市', risk: false })).toBe('北京市');
    expect(placeName({ code: '440300', province: '广东省', city: '深圳市', risk: true })).toBe('广东省深圳市*');
  });

  it("takes the platform's card colour, else yellow after a country abroad", () => {
    expect(cardColour(base)).toBe('green');
    expect(cardColour({ ...base, countries: [{ code: 'JP', name: '日本' }] })).toBe('yellow');
    expect(cardColour({ ...base, countries: [{ code: 'HK', name: '中国香港' }], cardColor: 'green' })).toBe('green');
    expect(cardColour({ ...base, cardColor: 'purple' })).toBe('green');
  });

  it('keeps string notes and object notes, without repeating the risk footnote', () => {
    const a = { ...base, riskFootnote: '*注', notes: ['*注', 'MVNO', { text: 'ported' }, { x: 1 }, 3] };
    expect(noteTexts(a)).toEqual(['MVNO', 'ported']);
  });
});
