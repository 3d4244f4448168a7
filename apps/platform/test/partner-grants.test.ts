// A partner cannot read anyone's itinerary by recording a consent itself: the
// consent needs a one-time grant that only the owner's SMS code produces, bound to
// partner + number + purpose; code requests are limited per number and every
// partner call is limited overall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from './fixtures.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform({ options: { partnerPerMinute: 40 } });
});
afterAll(async () => p?.close());

async function partnerAuth(clientId: string): Promise<{ authorization: string }> {
  const reg = await p.app.inject({
    method: 'POST',
    url: '/api/v1/admin/partners',
    headers: admin,
    payload: { clientId, name: `${clientId}健康码` },
  });
  const tok = await p.app.inject({
    method: 'POST',
    url: '/api/v1/partner/token',
    payload: { clientId, clientSecret: reg.json().clientSecret },
  });
  return { authorization: `Bearer ${tok.json().accessToken}` };
}

const post = (url: string, headers: Record<string, string>, payload: Record<string, unknown>) =>
  p.app.inject({ method: 'POST', url, headers, payload });

async function grantFor(auth: Record<string, string>, phone: string, purpose: string): Promise<string> {
  const req = await post('/api/v1/partner/grants/sms-code', auth, { phone, purpose });
  expect(req.statusCode, req.body).toBe(200);
  const g = await post('/api/v1/partner/grants', auth, {
    phone,
    purpose,
    requestId: req.json().requestId,
    code: p.outbox.lastCode(phone),
  });
  expect(g.statusCode, g.body).toBe(200);
  return g.json().grant;
}

describe("the owner's proof behind a partner's consent", () => {
  it('refuses a consent without a grant, and a grant for another partner, number or purpose, or used twice', async () => {
    const auth = await partnerAuth('city-a');
    const other = await partnerAuth('city-b');
    const at = '2022-09-08T08:59:00+08:00';
    // The attack: a consent recorded by the partner alone, for someone else's number.
    const bare = await post('/api/v1/partner/consents', auth, { phone: '13800000001', purpose: 'x', grantedAt: at });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.code).toBe('CONSENT_PROOF_REQUIRED');

    const grant = await grantFor(auth, '13800000001', '昌通码申领');
    const sms = p.outbox.list('13800000001').at(-1)!.text;
    expect(sms).toContain('city-a健康码');
    expect(sms).toContain('昌通码申领');
    const consent = (phone: string, purpose: string, g: string, h = auth) =>
      post('/api/v1/partner/consents', h, { phone, purpose, grantedAt: at, grant: g });
    for (const r of [
      await consent('13800000004', '昌通码申领', grant), // another number
      await consent('13800000001', '其他用途', grant), // another purpose
      await consent('13800000001', '昌通码申领', grant, other), // another partner
      await consent('13800000001', '昌通码申领', `${grant.slice(0, -2)}AA`), // altered
    ]) {
      expect(r.json().error.code).toBe('CONSENT_PROOF_INVALID');
    }
    const ok = await consent('13800000001', '昌通码申领', grant);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await consent('13800000001', '昌通码申领', grant)).json().error.code).toBe('CONSENT_PROOF_INVALID');
    const read = await post('/api/v1/partner/itinerary', auth, {
      phone: '13800000001',
      days: 14,
      consentId: ok.json().consentId,
    });
    expect(read.statusCode, read.body).toBe(200);

    // A grant expires.
    const late = await grantFor(auth, '13800000002', '昌通码申领');
    p.clock.advance(11 * 60_000);
    expect((await consent('13800000002', '昌通码申领', late)).json().error.code).toBe('CONSENT_PROOF_INVALID');
    const audit = await p.app.inject({ url: '/api/v1/admin/audit?phone=13800000001&limit=200', headers: admin });
    expect(audit.json().entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'consent.record', outcome: 'CONSENT_PROOF_REQUIRED' }),
        expect.objectContaining({ action: 'grant.issue', outcome: 'ok' }),
      ]),
    );
  });

  it('a wrong code gets no grant, and the code is dead after too many tries', async () => {
    p.clock.advance(3_600_000);
    const auth = await partnerAuth('city-c');
    const req = await post('/api/v1/partner/grants/sms-code', auth, { phone: '13800000003', purpose: 'p' });
    const right = p.outbox.lastCode('13800000003');
    const wrong = right === '000000' ? '111111' : '000000';
    const body = { phone: '13800000003', purpose: 'p', requestId: req.json().requestId };
    const codes = [];
    for (let i = 0; i < 6; i++)
      codes.push((await post('/api/v1/partner/grants', auth, { ...body, code: wrong })).json());
    expect(codes.slice(0, 5).map((c) => c.error.code)).toEqual(Array(5).fill('CODE_INVALID'));
    expect(codes[5].error.code).toBe('TOO_MANY_ATTEMPTS');
    const after = await post('/api/v1/partner/grants', auth, { ...body, code: right });
    expect(after.json().error.code).toBe('CODE_EXPIRED');
  });

  it('limits code requests per number (whoever asks) and each partner overall', async () => {
    p.clock.advance(3_600_000);
    const a = await partnerAuth('city-d');
    const b = await partnerAuth('city-e');
    const ask = (h: Record<string, string>, phone: string) =>
      post('/api/v1/partner/grants/sms-code', h, { phone, purpose: 'p' });
    expect((await ask(a, '13800000005')).statusCode).toBe(200);
    // Within the resend interval, even another partner is refused for that number.
    const again = await ask(b, '13800000005');
    expect(again.statusCode).toBe(429);
    expect(again.json().error.retryAfterSeconds).toBeGreaterThan(0);
    let sent = 1;
    for (let i = 0; i < 6; i++) {
      p.clock.advance(61_000);
      if ((await ask(i % 2 ? a : b, '13800000005')).statusCode === 200) sent++;
    }
    expect(sent).toBe(5); // PLATFORM_PARTNER_CODES_PER_NUMBER_PER_HOUR
    expect(p.outbox.list('13800000005')).toHaveLength(5);

    // 300 numbers at once, as the attack did: the partner's overall limit (40 a minute here) stops it.
    p.clock.advance(3_600_000);
    const fresh = await partnerAuth('city-d'); // the access token lasts an hour
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => ask(fresh, `1390000${String(i).padStart(4, '0')}`)),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(40);
    expect(codes.filter((c) => c === 429)).toHaveLength(260);
  });
});
