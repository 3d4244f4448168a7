import { ERROR_TABLE } from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api-client.ts';
import { cardColour, checkedAnswer, noteTexts, placeName } from './itinerary-answer.ts';

const base: ItineraryAnswer = {
  phone: '138****0001',
  updatedAt: '2022-09-08T08:47:05+08:00',
  windowDays: 7,
  windowStart: '2022-09-01T00:00:00+08:00',
  windowEnd: '2022-09-08T00:00:00+08:00',
  cities: [],
  countries: [],
  notes: [],
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
  });

  it('keeps the notes without repeating the risk footnote', () => {
    expect(noteTexts({ ...base, riskFootnote: '*注', notes: ['*注', 'MVNO'] })).toEqual(['MVNO']);
  });
});

describe("the page checks the platform's answer against its schema", () => {
  it('takes a well-formed answer, with fields the page does not know', () => {
    const body = { ...base, cities: [{ code: '360100', province: '江西省', city: '南昌市', risk: false }], later: 1 };
    expect(checkedAnswer(body, 'zh')).toBe(body);
  });

  const malformed: Array<[string, unknown]> = [
    ['nothing', undefined],
    ['a proxy page', '<html></html>'],
    ['no places', { ...base, cities: undefined }],
    ['a city without its risk mark', { ...base, cities: [{ code: '360100', province: '江西省', city: '南昌市' }] }],
    ['a country without its name', { ...base, countries: [{ code: 'JP' }] }],
    ['a colour the API does not have', { ...base, cardColor: 'purple' }],
    ['object notes', { ...base, notes: [{ text: 'ported' }] }],
  ];
  it.each(malformed)('refuses %s with ANSWER_MALFORMED, in the error table’s words', (_what, body) => {
    let err: unknown;
    try {
      checkedAnswer(body, 'en');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'ANSWER_MALFORMED', message: ERROR_TABLE.ANSWER_MALFORMED.en });
  });
});
