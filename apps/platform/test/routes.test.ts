// Route rules through fastify.inject, with real operator nodes on sockets and
// embedded storage (PGlite, memory key-value).
import { createServer, type Server } from 'node:net';
import { ERROR_TABLE } from '@itinerary-card/domain';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, at, login, startTestPlatform, type TestPlatform } from './fixtures.ts';

let p: TestPlatform;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  p = await startTestPlatform();
  const r = await p.app.inject({
    method: 'POST',
    url: '/api/v1/admin/porting',
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: [
      'msisdn,operator,activated_at,ported_at,kind,primary_msisdn',
      '13800000007,ctcc,2020-01-01,2022-09-07,normal,',
      '13800000008,cmcc,2021-01-01,,secondary,13800000001',
      '17000000005,cmcc,2021-01-01,,mvno,',
    ].join('\n'),
  });
  expect(r.statusCode).toBe(200);
  expect(r.json()).toEqual({ loaded: 3 });
});
afterAll(async () => p?.close());

async function query(token: string, headers: Record<string, string> = {}) {
  return p.app.inject({
    url: '/api/v1/itinerary',
    headers: { authorization: `Bearer ${token}`, 'x-client-time': String(p.clock.now()), ...headers },
  });
}

/** An admin's new risk area (POST /api/v1/admin/risk-areas). */
function addRiskArea(on: TestPlatform, area: Record<string, string>) {
  return on.app.inject({ method: 'POST', url: '/api/v1/admin/risk-areas', headers: admin, payload: area });
}

describe('number handling', () => {
  it('rejects non-mainland input with INVALID_PHONE and overseas numbers with UNSUPPORTED_NUMBER', async () => {
    for (const phone of ['12345', '1380000000a', '23800000001', '']) {
      const r = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toEqual({ code: 'INVALID_PHONE', message: ERROR_TABLE.INVALID_PHONE.zh });
    }
    for (const phone of ['+85291234567', '0085261234567', '+14155550100']) {
      const r = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      expect(r.json().error.code).toBe('UNSUPPORTED_NUMBER');
    }
    const en = await p.app.inject({
      method: 'POST',
      url: '/api/v1/sms-code',
      payload: { phone: '+85291234567' },
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    expect(en.json().error.message).toBe(ERROR_TABLE.UNSUPPORTED_NUMBER.en);
  });

  it('answers the same whether or not the number is anyone’s subscriber', async () => {
    const known = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone: '13800000099' } });
    const unknown = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone: '13999999999' } });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    expect(known.json()).toEqual({ resendAfterSeconds: 60 });
  });

  it('returns 429 with retryAfterSeconds and a Retry-After header on a too early resend', async () => {
    const r = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone: '13800000099' } });
    expect(r.statusCode).toBe(429);
    expect(r.json().error.code).toBe('TOO_MANY_REQUESTS');
    expect(r.json().error.retryAfterSeconds).toBeGreaterThan(0);
    expect(r.headers['retry-after']).toBeDefined();
  });

  it('validates bodies with BAD_REQUEST, unknown routes with NOT_FOUND', async () => {
    const r = await p.app.inject({ method: 'POST', url: '/api/v1/login', payload: { code: '123456' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('BAD_REQUEST');
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.json().error.code).toBe('BAD_REQUEST');
    const nf = await p.app.inject({ url: '/api/v1/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('NOT_FOUND');
  });
});

describe('the answer', () => {
  it('is API.md’s body: masked number, update time, window, cities with names, countries in Chinese, yellow abroad', async () => {
    const token = await login(p, '13800000001');
    const r = await query(token);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      phone: '138****0001',
      updatedAt: '2022-09-08T08:05:00+08:00',
      windowDays: 7,
      windowStart: '2022-09-01T00:00:00+08:00',
      windowEnd: '2022-09-08T00:00:00+08:00',
      cities: [
        { code: '110000', province: '北京市', city: '北京市', risk: false },
        { code: '360100', province: '江西省', city: '南昌市', risk: false },
      ],
      countries: [{ code: 'JP', name: '日本' }],
      notes: [],
      cardColor: 'yellow',
    });
    expect(r.body).not.toContain('13800000001');
  });

  it('stays green for Hong Kong and Macau (configurable list)', async () => {
    const r = await query(await login(p, '13800000004'));
    expect(r.json().countries).toEqual([
      { code: 'HK', name: '中国香港' },
      { code: 'MO', name: '中国澳门' },
    ]);
    expect(r.json().cardColor).toBe('green');
  });

  it('NEW_SUBSCRIBER, NO_DATA with the seed’s advice, and NO_DATA for a number no node knows', async () => {
    const n = await query(await login(p, '13800000002'));
    expect(n.statusCode).toBe(403);
    expect(n.json().error.message).toContain('开户时间未满7天');
    const d = await query(await login(p, '13800000003'));
    expect(d.statusCode).toBe(404);
    expect(d.json().error.code).toBe('NO_DATA');
    expect(d.json().error.message).toContain('关闭Wi-Fi连接使用一下数据流量');
    const u = await query(await login(p, '13900000123'));
    expect(u.json().error.code).toBe('NO_DATA');
  });

  it('routes a ported number to its new operator and adds the 1-2 day delay note', async () => {
    const r = await query(await login(p, '13800000007'));
    expect(r.statusCode).toBe(200);
    expect(r.json().cities[0].city).toBe('南昌市');
    expect(r.json().notes).toContain(
      '如果您是“携号转网”的用户，用户信息同步及行程计算有一定时间差，行程信息的计算会有1-2天的延迟。',
    );
  });

  it('answers a secondary number with its primary’s itinerary, masked as itself', async () => {
    const r = await query(await login(p, '13800000008'));
    expect(r.statusCode).toBe(200);
    expect(r.json().phone).toBe('138****0008');
    expect(r.json().cities.map((c: { code: string }) => c.code)).toEqual(['110000', '360100']);
  });

  it('answers an MVNO number through its host with the accuracy caveat', async () => {
    const r = await query(await login(p, '17000000005'));
    expect(r.statusCode).toBe(200);
    expect(r.json().notes).toContain('虚拟运营商手机号查询不完全支持，不保证查询结果的准确性。');
  });

  it('refuses a phone clock more than 5 minutes off Beijing time, either way, or missing', async () => {
    const token = await login(p, '13800000006');
    const now = p.clock.now();
    expect((await query(token, { 'x-client-time': String(now + 4 * 60_000) })).statusCode).toBe(200);
    expect((await query(token, { 'x-client-time': String(now - 4 * 60_000) })).statusCode).toBe(200);
    for (const skew of [6 * 60_000, -6 * 60_000, 86_400_000]) {
      const r = await query(token, { 'x-client-time': String(now + skew) });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('ILLEGAL_ACCESS');
      expect(r.json().error.message).toContain('手机系统时间和北京时间不一致');
    }
    const iso = new Date(now + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
    expect((await query(token, { 'x-client-time': iso })).statusCode).toBe(200);
    const missing = await p.app.inject({ url: '/api/v1/itinerary', headers: { authorization: `Bearer ${token}` } });
    expect(missing.json().error.code).toBe('ILLEGAL_ACCESS');
    const noAuth = await p.app.inject({ url: '/api/v1/itinerary', headers: { 'x-client-time': String(now) } });
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('switches to the new day at 08:00 Beijing time, serving the previous result before', async () => {
    const token = await login(p, '13800000001');
    p.clock.set(at('2022-09-08', 7, 59));
    const before = await query(token);
    expect(before.json()).toMatchObject({
      updatedAt: '2022-09-07T08:00:00+08:00',
      windowEnd: '2022-09-07T00:00:00+08:00',
      cities: [{ code: '360100' }],
    });
    p.clock.set(at('2022-09-08', 8, 0));
    const after = await query(token);
    expect(after.json()).toMatchObject({
      updatedAt: '2022-09-08T08:05:00+08:00',
      windowEnd: '2022-09-08T00:00:00+08:00',
    });
    p.clock.set(at('2022-09-08', 9, 30));
  });
});

describe('risk areas', () => {
  it('mark cities with a current medium/high-risk area, with the footnote; changes are audited', async () => {
    const token = await login(p, '13800000001');
    const create = await addRiskArea(p, {
      cityCode: '110000',
      area: '朝阳区某街道',
      level: 'high',
      effectiveFrom: '2022-09-08T00:00:00+08:00',
    });
    expect(create.statusCode).toBe(201);
    const future = await addRiskArea(p, {
      cityCode: '360100',
      area: '东湖区',
      level: 'medium',
      effectiveFrom: '2022-09-09T00:00:00+08:00',
    });
    expect(future.statusCode).toBe(201);
    const r = await query(token);
    expect(r.json().cities).toEqual([
      { code: '110000', province: '北京市', city: '北京市', risk: true },
      { code: '360100', province: '江西省', city: '南昌市', risk: false },
    ]);
    expect(r.json().riskFootnote).toContain('并不表示用户实际到访过这些中高风险地区');
    expect(r.json().notes[0]).toBe(r.json().riskFootnote);
    // Lift the Beijing area: the mark goes away.
    const id = create.json().id;
    const lift = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/admin/risk-areas/${id}`,
      headers: admin,
      payload: { ...(create.json() as Record<string, unknown>), effectiveTo: '2022-09-08T08:30:00+08:00' },
    });
    expect(lift.statusCode).toBe(200);
    expect((await query(token)).json().cities[0].risk).toBe(false);
    const del = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/risk-areas/${future.json().id}`,
      headers: admin,
    });
    expect(del.statusCode).toBe(204);
    const audit = await p.app.inject({ url: '/api/v1/admin/audit?actor=admin', headers: admin });
    const actions = audit.json().entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['risk-area.create', 'risk-area.update', 'risk-area.delete', 'porting.load']),
    );
    const bad = await addRiskArea(p, {
      cityCode: '999999',
      area: 'x',
      level: 'high',
      effectiveFrom: '2022-09-08T00:00:00+08:00',
    });
    expect(bad.json().error.code).toBe('BAD_REQUEST');
  });

  it('refuses the admin API without the admin token', async () => {
    const r = await p.app.inject({ url: '/api/v1/admin/risk-areas', headers: { authorization: 'Bearer wrong' } });
    expect(r.statusCode).toBe(403);
  });
});

describe('partner API', () => {
  it('needs client credentials and a consent naming owner, purpose and time; every read is audited', async () => {
    const reg = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/partners',
      headers: admin,
      payload: { clientId: 'nanchang-health', name: '昌通码' },
    });
    expect(reg.statusCode).toBe(201);
    const { clientSecret } = reg.json();
    const bad = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/token',
      payload: { clientId: 'nanchang-health', clientSecret: 'wrong' },
    });
    expect(bad.statusCode).toBe(401);
    const tok = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/token',
      payload: { clientId: 'nanchang-health', clientSecret },
    });
    const auth = { authorization: `Bearer ${tok.json().accessToken}` };
    const noConsent = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/itinerary',
      headers: auth,
      payload: { phone: '13800000001', days: 14, consentId: 'made-up' },
    });
    expect(noConsent.statusCode).toBe(403);
    expect(noConsent.json().error.code).toBe('CONSENT_REQUIRED');
    // The owner confirms by SMS; the partner turns the code into a one-time grant.
    const req = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/grants/sms-code',
      headers: auth,
      payload: { phone: '13800000001', purpose: '昌通码申领' },
    });
    expect(req.statusCode, req.body).toBe(200);
    const grant = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/grants',
      headers: auth,
      payload: {
        phone: '13800000001',
        purpose: '昌通码申领',
        requestId: req.json().requestId,
        code: p.outbox.lastCode('13800000001'),
      },
    });
    expect(grant.statusCode, grant.body).toBe(200);
    const consent = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/consents',
      headers: auth,
      payload: {
        phone: '13800000001',
        purpose: '昌通码申领',
        grantedAt: '2022-09-08T08:59:00+08:00',
        grant: grant.json().grant,
      },
    });
    expect(consent.statusCode).toBe(200);
    const { consentId } = consent.json();
    const r = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/itinerary',
      headers: auth,
      payload: { phone: '13800000001', days: 14, consentId },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ windowDays: 14, windowStart: '2022-08-25T00:00:00+08:00' });
    expect(r.json().cities.map((c: { code: string }) => c.code)).toEqual(['110000', '360100', '420100']);
    // The consent names one owner: it does not open another number.
    const other = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/itinerary',
      headers: auth,
      payload: { phone: '13800000004', days: 7, consentId },
    });
    expect(other.json().error.code).toBe('CONSENT_REQUIRED');
    // Withdrawn consent stops reads.
    await p.app.inject({ method: 'DELETE', url: `/api/v1/partner/consents/${consentId}`, headers: auth });
    const after = await p.app.inject({
      method: 'POST',
      url: '/api/v1/partner/itinerary',
      headers: auth,
      payload: { phone: '13800000001', days: 14, consentId },
    });
    expect(after.json().error.code).toBe('CONSENT_REQUIRED');
    const audit = await p.app.inject({ url: '/api/v1/admin/audit?phone=13800000001&limit=200', headers: admin });
    const entries = audit.json().entries as Array<{ actorType: string; action: string; outcome: string }>;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorType: 'partner', action: 'itinerary.read.14', outcome: 'ok' }),
        expect.objectContaining({ actorType: 'partner', action: 'itinerary.read.14', outcome: 'CONSENT_REQUIRED' }),
        expect.objectContaining({ actorType: 'partner', action: 'consent.record' }),
        expect.objectContaining({ actorType: 'owner', action: 'itinerary.read.7', outcome: 'ok' }),
      ]),
    );
  });
});

describe('operator node failures', () => {
  it('a node that is down gives QUERY_FAILED (503), never a 500', async () => {
    const token = await login(p, '13800000007');
    const ctcc = p.nodes.find((n) => n.operator === 'ctcc')!;
    await ctcc.app.close();
    const r = await query(token);
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('QUERY_FAILED');
    expect(r.json().error.message).toContain('数据查询异常');
  });

  it('a node that hangs gives QUERY_FAILED within the deadline, then the breaker answers at once', async () => {
    const sockets: import('node:net').Socket[] = [];
    const hang: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as { port: number }).port;
    const slow = await startTestPlatform({
      sql: p.sql,
      nodeUrls: { cmcc: `http://127.0.0.1:${port}` },
      options: { nodeTimeoutMs: 300, breakerFailures: 2, breakerOpenMs: 60_000 },
    });
    try {
      const token = await login(slow, '13800000001');
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const r = await slow.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(slow.clock.now()) },
        });
        expect(r.json().error.code).toBe('QUERY_FAILED');
        expect(performance.now() - t0).toBeLessThan(3000);
      }
      expect(slow.app.platform.nodes.cmcc!.breaker.current()).toBe('open');
      const r = await slow.app.inject({
        url: '/api/v1/itinerary',
        headers: { authorization: `Bearer ${token}`, 'x-client-time': String(slow.clock.now()) },
      });
      expect(r.statusCode).toBe(503);
    } finally {
      for (const s of sockets) s.destroy();
      hang.close();
      await slow.close();
    }
  });
});

describe('answer cache and porting', () => {
  it('asks the new operator at once when the registry moves a number, even with a cached answer', async () => {
    const cached = await startTestPlatform({ options: { answerCacheMs: 300_000 } });
    try {
      const token = await login(cached, '13800000007');
      const ask = () =>
        cached.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(cached.clock.now()) },
        });
      const before = await ask(); // routed by its segment (138: China Mobile), which does not know it
      expect(before.json().error?.code ?? 'ok').not.toBe('ok');
      const load = await cached.app.inject({
        method: 'POST',
        url: '/api/v1/admin/porting',
        headers: { ...admin, 'content-type': 'text/csv' },
        payload:
          'msisdn,operator,activated_at,ported_at,kind,primary_msisdn\n13800000007,ctcc,2020-01-01,2022-09-07,normal,',
      });
      expect(load.statusCode).toBe(200);
      const after = await ask();
      expect(after.statusCode).toBe(200);
      expect(after.json().cities.map((c: { code: string }) => c.code)).toEqual(['360100']);
    } finally {
      await cached.close();
    }
  });
});

describe('behind a load balancer', () => {
  it('takes the client address from X-Forwarded-For of a trusted proxy, so per-IP limits apply per client', async () => {
    const lb = await startTestPlatform({ sql: p.sql, trustProxy: '10.9.9.9', options: { smsPerIpPerMinute: 2 } });
    try {
      const send = (phone: string, client: string, from = '10.9.9.9') =>
        lb.app.inject({
          method: 'POST',
          url: '/api/v1/sms-code',
          payload: { phone },
          remoteAddress: from,
          headers: { 'x-forwarded-for': client },
        });
      expect((await send('13800000011', '1.1.1.1')).statusCode).toBe(200);
      expect((await send('13800000012', '1.1.1.1')).statusCode).toBe(200);
      expect((await send('13800000013', '1.1.1.1')).statusCode).toBe(429);
      // Another client behind the same balancer has its own allowance.
      expect((await send('13800000014', '2.2.2.2')).statusCode).toBe(200);
      // An untrusted sender cannot pick its address: its own is used.
      expect((await send('13800000015', '3.3.3.3', '5.5.5.5')).statusCode).toBe(200);
      expect((await send('13800000016', '4.4.4.4', '5.5.5.5')).statusCode).toBe(200);
      expect((await send('13800000017', '6.6.6.6', '5.5.5.5')).statusCode).toBe(429);
    } finally {
      await lb.close();
    }
  });
});

describe('answer cache', () => {
  it('reuses a node answer for the same day, even while the node is down, and switches at the update time', async () => {
    const cached = await startTestPlatform({ sql: p.sql, options: { answerCacheMs: 30_000 } });
    try {
      const token = await login(cached, '13800000001');
      cached.clock.set(at('2022-09-08', 7, 59));
      const q = () =>
        cached.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(cached.clock.now()) },
        });
      expect((await q()).json().date).toBe('2022-09-07');
      cached.clock.set(at('2022-09-08', 8, 0));
      expect((await q()).json().date).toBe('2022-09-08');
      for (const n of cached.nodes) await n.app.close();
      const again = await q();
      expect(again.statusCode).toBe(200);
      expect(again.json().date).toBe('2022-09-08');
      cached.clock.advance(30_000);
      expect((await q()).json().error.code).toBe('QUERY_FAILED');
    } finally {
      await cached.close();
    }
  });
});

describe('answers from memory (every cache on, as deployed)', () => {
  it('gives what the first read gave, audits every read, and follows the clock check, risk areas, the day switch and logout', async () => {
    const c = await startTestPlatform({ options: { answerCacheMs: 300_000, cacheTtlMs: 30_000 } });
    try {
      const token = await login(c, '13800000001');
      const loads = vi.spyOn(c.app.platform.itinerary, 'query');
      const ask = (headers: Record<string, string> = {}) =>
        c.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(c.clock.now()), ...headers },
        });
      c.clock.set(at('2022-09-08', 7, 59));
      const first = await ask();
      expect(first.statusCode).toBe(200);
      expect(first.json().date).toBe('2022-09-07');
      for (let i = 0; i < 3; i++) {
        const again = await ask();
        expect(again.statusCode).toBe(200);
        expect(again.headers['content-type']).toBe(first.headers['content-type']);
        expect(again.body).toBe(first.body);
      }
      const skewed = await ask({ 'x-client-time': String(c.clock.now() + 6 * 60_000) });
      expect(skewed.json().error.code).toBe('ILLEGAL_ACCESS');
      c.clock.set(at('2022-09-08', 8, 0));
      expect((await ask()).json().date).toBe('2022-09-08');
      const risk = await addRiskArea(c, {
        cityCode: '360100',
        area: '东湖区',
        level: 'high',
        effectiveFrom: '2022-09-08T00:00:00+08:00',
      });
      expect(risk.statusCode).toBe(201);
      const marked = await ask();
      expect(marked.json().cities.find((x: { code: string }) => x.code === '360100').risk).toBe(true);
      expect((await ask()).body).toBe(marked.body);
      // Through the awaited path only when something had to be loaded: the first
      // read, the new day, the changed risk areas.
      expect(loads).toHaveBeenCalledTimes(3);
      const audit = await c.app.inject({ url: '/api/v1/admin/audit?phone=13800000001&limit=200', headers: admin });
      const reads = audit
        .json()
        .entries.filter((e: { action: string }) => e.action === 'itinerary.read.7')
        .map((e: { outcome: string; detail: { date?: string } }) => `${e.outcome} ${e.detail.date ?? ''}`);
      expect(reads).toEqual([
        'ok 2022-09-08',
        'ok 2022-09-08',
        'ok 2022-09-08',
        'ILLEGAL_ACCESS ',
        'ok 2022-09-07',
        'ok 2022-09-07',
        'ok 2022-09-07',
        'ok 2022-09-07',
      ]);
      const out = await c.app.inject({
        method: 'POST',
        url: '/api/v1/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(204);
      expect((await ask()).json().error.code).toBe('UNAUTHENTICATED');
    } finally {
      await c.close();
    }
  });
});

describe('documents and pages', () => {
  it('serves OpenAPI at /docs describing the returning-device flow', async () => {
    const r = await p.app.inject({ url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/login', '/api/v1/itinerary', '/api/v1/partner/itinerary']),
    );
    expect(JSON.stringify(doc.paths['/api/v1/login'])).toContain('deviceToken');
    // Headers checked by the handler are still documented as parameters.
    const params = doc.paths['/api/v1/itinerary'].get.parameters as Array<{ in: string; name: string }>;
    expect(params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'header', name: 'x-client-time' }),
        expect.objectContaining({ in: 'header', name: 'authorization' }),
      ]),
    );
  });

  it('logs in again from a remembered device without a code, until revoked', async () => {
    const phone = '13800000006';
    p.clock.advance(61_000);
    const sent = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
    expect(sent.statusCode).toBe(200);
    const first = await p.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { phone, code: p.outbox.lastCode(phone), rememberDevice: true },
    });
    const { deviceToken, token } = first.json();
    expect(deviceToken).toBeTruthy();
    const again = await p.app.inject({ method: 'POST', url: '/api/v1/login', payload: { phone, deviceToken } });
    expect(again.statusCode).toBe(200);
    const revoke = await p.app.inject({
      method: 'DELETE',
      url: '/api/v1/devices/current',
      headers: { authorization: `Bearer ${token}`, 'x-device-token': deviceToken },
    });
    expect(revoke.statusCode).toBe(204);
    const denied = await p.app.inject({ method: 'POST', url: '/api/v1/login', payload: { phone, deviceToken } });
    expect(denied.statusCode).toBe(401);
  });

  it('shows the development outbox and the card page (or says it is not built)', async () => {
    // The demo's open HTTP SMS form (production needs PLATFORM_SMS_INBOUND_TOKEN: login-security.test.ts).
    const q = await startTestPlatform({ options: { smsInboundOpen: true } });
    try {
      const code = await q.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone: '13800000001' } });
      expect(code.statusCode).toBe(200);
      const o = await q.app.inject({ url: '/dev/outbox?phone=13800000001' });
      expect(o.statusCode).toBe(200);
      expect(o.json()[0]).toMatchObject({ to: '13800000001', from: expect.stringMatching(/^\d+$/) });
      // A CXMYD reply comes from the short code it answers.
      const sms = await q.app.inject({
        method: 'POST',
        url: '/api/v1/sms/inbound',
        payload: { from: '13800000001', to: '10086', text: 'CXMYD' },
      });
      expect(sms.statusCode).toBe(202);
      const replies = (await q.app.inject({ url: '/dev/outbox?phone=13800000001' })).json();
      expect(replies.at(-1)).toMatchObject({ to: '13800000001', from: '10086' });
      const home = await q.app.inject({ url: '/' });
      expect(home.statusCode).toBe(200);
      expect(home.headers['content-type']).toContain('text/html');
    } finally {
      await q.close();
    }
  });
});
