// Issue 22 item 20: NUL characters and wrong types in request bodies answered
// 500 (clientId and purpose with a NUL, a non-array `entries` in admin/porting).
// The three cases, then a small fuzz (fast-check) over every body-taking route
// through fastify.inject: every answer is below 500, or a documented 503, and
// every error has the documented body.
import { ERROR_TABLE } from '@itinerary-card/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, login, startTestPlatform, type TestPlatform } from './fixtures.ts';

let p: TestPlatform;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let partner: Record<string, string>;
let owner: Record<string, string>;

beforeAll(async () => {
  p = await startTestPlatform();
  const reg = await p.app.inject({
    method: 'POST',
    url: '/api/v1/admin/partners',
    headers: admin,
    payload: { clientId: 'fuzz-partner', name: 'Fuzz' },
  });
  const secret = reg.json().clientSecret as string;
  const tok = await p.app.inject({
    method: 'POST',
    url: '/api/v1/partner/token',
    payload: { clientId: 'fuzz-partner', clientSecret: secret },
  });
  partner = { authorization: `Bearer ${tok.json().accessToken}` };
  owner = { authorization: `Bearer ${await login(p, '13800000001')}` };
});
afterAll(async () => p?.close());

/** A 5xx other than a documented 503 is a bug; so is an error without the documented body. */
function expectDocumented(r: { statusCode: number; json(): unknown; body: string }, what: string): void {
  expect(
    r.statusCode === 500 || (r.statusCode > 503 && r.statusCode !== 507),
    `${what} → ${r.statusCode} ${r.body}`,
  ).toBe(false);
  if (r.statusCode >= 400) {
    const e = (r.json() as { error?: { code?: string; message?: string } }).error;
    expect(e?.code && e.code in ERROR_TABLE, `${what} → ${r.body}`).toBe(true);
    expect(typeof e?.message, what).toBe('string');
  }
}

describe('bodies with NUL characters and wrong types', () => {
  it('answers 400 BAD_REQUEST to the three that were 500s', async () => {
    const cases = [
      { url: '/api/v1/partner/token', payload: { clientId: 'fuzz\u0000partner', clientSecret: 'x' }, headers: {} },
      {
        url: '/api/v1/partner/consents',
        payload: { phone: '13800000001', purpose: 'register\u0000', grantedAt: Date.now() },
        headers: () => partner,
      },
      { url: '/api/v1/admin/porting', payload: { entries: 'not an array' }, headers: admin },
      { url: '/api/v1/admin/porting', payload: { entries: { msisdn: '13800000001' } }, headers: admin },
      { url: '/api/v1/admin/porting', payload: { entries: [null, 7, 'x'] }, headers: admin },
    ];
    for (const c of cases) {
      const headers = typeof c.headers === 'function' ? c.headers() : c.headers;
      const r = await p.app.inject({ method: 'POST', url: c.url, payload: c.payload, headers });
      expect(r.statusCode, `${c.url} ${r.body}`).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'BAD_REQUEST', message: ERROR_TABLE.BAD_REQUEST.zh });
    }
    const inUrl = await p.app.inject({ method: 'DELETE', url: '/api/v1/admin/risk-areas/x%00y', headers: admin });
    expect(inUrl.statusCode).toBe(400);
  });
});

const FIELDS = [
  'phone',
  'code',
  'rememberDevice',
  'deviceToken',
  'clientId',
  'clientSecret',
  'name',
  'purpose',
  'grantedAt',
  'days',
  'consentId',
  'entries',
  'replace',
  'cityCode',
  'area',
  'level',
  'effectiveFrom',
  'effectiveTo',
  'from',
  'to',
  'text',
];

/** Values of every JSON type, strings with NUL and other control characters among them. */
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('13800000001', '2022-09-08', 'CXMYD', 'cmcc', 'high', '360100', '\u0000', 'a\u0000b'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(
    fc.dictionary(
      fc.constantFrom('msisdn', 'operator', 'portedAt', 'kind', 'primaryMsisdn'),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    { maxLength: 3 },
  ),
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const ROUTES: Array<{ method: 'POST' | 'PUT' | 'DELETE'; url: string; headers: () => Record<string, string> }> = [
  { method: 'POST', url: '/api/v1/sms-code', headers: () => ({}) },
  { method: 'POST', url: '/api/v1/login', headers: () => ({}) },
  { method: 'POST', url: '/api/v1/logout', headers: () => owner },
  { method: 'POST', url: '/api/v1/sms/inbound', headers: () => ({}) },
  { method: 'POST', url: '/api/v1/partner/token', headers: () => ({}) },
  { method: 'POST', url: '/api/v1/partner/consents', headers: () => partner },
  { method: 'POST', url: '/api/v1/partner/itinerary', headers: () => partner },
  { method: 'POST', url: '/api/v1/admin/porting', headers: () => admin },
  { method: 'POST', url: '/api/v1/admin/risk-areas', headers: () => admin },
  { method: 'PUT', url: '/api/v1/admin/risk-areas/1', headers: () => admin },
  { method: 'POST', url: '/api/v1/admin/partners', headers: () => admin },
];

describe('a small fuzz over the bodies of every route that takes one', () => {
  it('never answers a 500 or an undocumented error', async () => {
    for (const route of ROUTES) {
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const r = await p.app.inject({
            method: route.method,
            url: route.url,
            headers: { 'content-type': 'application/json', ...route.headers() },
            payload: JSON.stringify(payload),
          });
          expectDocumented(r, `${route.method} ${route.url} ${JSON.stringify(payload)}`);
        }),
        { numRuns: 60, seed: 22 },
      );
    }
  }, 120_000);
});
