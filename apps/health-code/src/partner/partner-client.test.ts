import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import { describe, expect, it } from 'vitest';
import { createHttpPartnerClient } from './partner-client.ts';

const GOOD: ItineraryAnswer = {
  phone: '138****0021',
  updatedAt: '2022-09-08T08:00:00+08:00',
  windowDays: 14,
  windowStart: '2022-08-25T00:00:00+08:00',
  windowEnd: '2022-09-08T00:00:00+08:00',
  cities: [{ code: '360100', province: '江西省', city: '南昌市', risk: false }],
  countries: [{ code: 'JP', name: '日本' }],
  notes: [],
  cardColor: 'yellow',
};

/** A partner client whose platform answers the itinerary call with `body` (a token first). */
function clientAnswering(body: string) {
  const f = (async (url: string) => {
    if (String(url).endsWith('/api/v1/partner/token')) {
      return Response.json({ accessToken: 't', expiresAt: '2099-01-01T00:00:00+08:00' });
    }
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return createHttpPartnerClient({
    baseUrl: 'http://platform.test',
    clientId: 'c',
    clientSecret: 's',
    timeoutMs: 1000,
    now: () => 0,
    fetch: f,
  });
}

describe('partner client: the itinerary answer is checked against the one schema', () => {
  it('takes a well-formed answer, extra fields and all', async () => {
    const a = await clientAnswering(JSON.stringify({ ...GOOD, later: 1 })).itinerary('13800000021', 'C1');
    expect(a.cities[0]?.city).toBe('南昌市');
  });

  const { cities: _c, ...withoutCities } = GOOD;
  const malformed: Array<[string, string]> = [
    ['not JSON', '<html>proxy error</html>'],
    ['no cities', JSON.stringify(withoutCities)],
    [
      'a city without its name',
      JSON.stringify({ ...GOOD, cities: [{ code: '360100', province: '江西省', risk: false }] }),
    ],
    ['windowDays as text', JSON.stringify({ ...GOOD, windowDays: '14' })],
    ['a colour the API does not have', JSON.stringify({ ...GOOD, cardColor: 'purple' })],
    ['notes that are not text', JSON.stringify({ ...GOOD, notes: [{ text: 'x' }] })],
    ['an array', JSON.stringify([GOOD])],
  ];
  it.each(malformed)('rejects %s with ANSWER_MALFORMED', async (_what, body) => {
    await expect(clientAnswering(body).itinerary('13800000021', 'C1')).rejects.toMatchObject({
      code: 'ANSWER_MALFORMED',
      status: 502,
    });
  });
});
