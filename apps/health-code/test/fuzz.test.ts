// Issue 22 item 20, the health-code system's side: a small fuzz (fast-check)
// over the bodies of every route that takes one, through fastify.inject, with
// a logged-in, registered citizen and the office's token. Every answer is below
// 500 and every error has the documented body.
import { ERROR_TABLE } from '@itinerary-card/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakePartner } from './fake-partner.ts';
import { ADMIN, idNumber, login, makeApp, type TestApp } from './helpers.ts';

let t: TestApp;
let citizen: Record<string, string>;
const admin = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  const partner = fakePartner(Date.parse('2022-09-08T00:00:00+08:00'));
  partner.answers.set('13800000051', { cities: [['360100', '江西省', '南昌市']], countries: [] });
  t = await makeApp(partner);
  citizen = await login(t, '13800000051');
  const reg = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/registrations',
    headers: citizen,
    payload: {
      name: '赵六',
      idNumber: idNumber('360102', '1990-01-01', '777'),
      address: '南昌市',
      epidemicSojourn: false,
      symptoms: false,
      closeContact: false,
    },
  });
  expect(reg.statusCode).toBe(201);
});
afterAll(async () => t?.close());

const FIELDS = [
  'phone',
  'code',
  'authorised',
  'purpose',
  'checkId',
  'itineraryCheckId',
  'name',
  'idNumber',
  'address',
  'epidemicSojourn',
  'symptoms',
  'closeContact',
  'kind',
  'scope',
  'from',
  'to',
  'decision',
  'reason',
];

const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('13800000051', '2022-09-08', 'province', 'abroad', 'vehicle', '420000', '\u0000', 'a\u0000b'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 7 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const ROUTES: Array<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; headers: () => Record<string, string> }> = [
  { method: 'POST', url: '/api/hc/v1/sms-code', headers: () => ({}) },
  { method: 'POST', url: '/api/hc/v1/login', headers: () => ({}) },
  { method: 'POST', url: '/api/hc/v1/itinerary-checks', headers: () => citizen },
  { method: 'POST', url: '/api/hc/v1/registrations', headers: () => citizen },
  { method: 'PUT', url: '/api/hc/v1/me', headers: () => citizen },
  { method: 'POST', url: '/api/hc/v1/checkins', headers: () => citizen },
  { method: 'POST', url: '/api/hc/v1/venues', headers: () => citizen },
  { method: 'POST', url: '/api/hc/v1/verify', headers: () => ({}) },
  { method: 'POST', url: '/api/hc/v1/admin/epidemic-areas', headers: () => admin },
  { method: 'PATCH', url: '/api/hc/v1/admin/epidemic-areas/1', headers: () => admin },
  { method: 'POST', url: '/api/hc/v1/admin/decisions', headers: () => admin },
];

describe('a small fuzz over the health-code bodies', () => {
  it('never answers a 500 or an undocumented error', async () => {
    for (const route of ROUTES) {
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const r = await t.app.inject({
            method: route.method,
            url: route.url,
            headers: { 'content-type': 'application/json', ...route.headers() },
            payload: JSON.stringify(payload),
          });
          const what = `${route.method} ${route.url} ${JSON.stringify(payload)} → ${r.statusCode} ${r.body}`;
          expect(r.statusCode === 500 || r.statusCode > 503, what).toBe(false);
          if (r.statusCode >= 400) {
            const e = r.json().error as { code?: string; message?: string } | undefined;
            expect(Boolean(e?.code && e.code in ERROR_TABLE) && typeof e?.message === 'string', what).toBe(true);
          }
        }),
        { numRuns: 60, seed: 22 },
      );
    }
  }, 120_000);
});
