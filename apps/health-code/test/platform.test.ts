// The itinerary module against the real query platform (buildPlatform) and an
// operator node on real sockets: partner token, the owner's SMS confirmation sent
// by the platform, the grant, the consent, the 14-day itinerary over HTTP through
// createHttpPartnerClient; the answer drives the health code.
import { beijingDayStart, HOUR_MS, ManualClock } from '@itinerary-card/domain';
import { buildOperatorNode, MemorySnapshot, SnapshotHolder } from '@itinerary-card/operator-node';
import { buildPlatform } from '@itinerary-card/platform';
import { MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPartnerClient } from '../src/partner/partner-client.ts';
import { ADMIN, idNumber, login, makeApp, type TestApp, TestOutbox } from './helpers.ts';

const D = '2022-09-08';
const NOW = beijingDayStart(D) + 10 * HOUR_MS;
const SERVICE_SECRET = 'svc-secret-for-tests-0123456789';
const PLATFORM_ADMIN = 'platform-admin-token-0123456789';

let node: FastifyInstance;
let platform: FastifyInstance;
let platformSql: Sql;
let platformKv: MemoryKeyValue;
let platformUrl: string;
let t: TestApp;
/** The platform's SMS transport: the owner's confirmation codes arrive here. */
const platformSms = new TestOutbox();
let secret: string;
const clock = new ManualClock(NOW);

/** The partner client as the health-code system configures it: the platform under test and this client's secret. */
const partnerClient = (over: { baseUrl?: string; clientId?: string; clientSecret?: string; timeoutMs?: number } = {}) =>
  createHttpPartnerClient({
    baseUrl: platformUrl,
    clientId: 'nanchang-health',
    clientSecret: secret,
    timeoutMs: 5000,
    now: () => clock.now(),
    ...over,
  });

beforeAll(async () => {
  const holder = new SnapshotHolder();
  holder.publish(
    new MemorySnapshot('cmcc', D, beijingDayStart(D) + 8 * HOUR_MS, [
      { msisdn: '13800000021', status: 'ok', cities: ['360100'], countries: [], cities14: ['360100', '420100'] },
      { msisdn: '13800000022', status: 'ok', cities: ['360100'], countries: [] },
      { msisdn: '13800000023', status: 'no_data', cities: [], countries: [] },
    ]),
  );
  node = await buildOperatorNode({ nodeId: 'cmcc-1', serviceSecret: SERVICE_SECRET, holder, clock });
  const nodeUrl = await node.listen({ host: '127.0.0.1', port: 0 });
  platformSql = await openPgliteSql();
  platformKv = new MemoryKeyValue(() => clock.now());
  platform = await buildPlatform({
    sql: platformSql,
    kv: platformKv,
    sms: platformSms,
    clock,
    docs: false,
    nodes: { cmcc: { url: nodeUrl, nodeId: 'cmcc-1' } },
    options: {
      secretKey: 'platform-secret-key-0123456789',
      serviceSecret: SERVICE_SECRET,
      adminToken: PLATFORM_ADMIN,
      answerCacheMs: 0,
    },
  });
  platformUrl = await platform.listen({ host: '127.0.0.1', port: 0 });
  const reg = await platform.inject({
    method: 'POST',
    url: '/api/v1/admin/partners',
    headers: { authorization: `Bearer ${PLATFORM_ADMIN}` },
    payload: { clientId: 'nanchang-health', name: '昌通码' },
  });
  expect(reg.statusCode, reg.body).toBe(201);
  secret = reg.json().clientSecret;
  t = await makeApp(partnerClient(), { clock });
  await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/admin/epidemic-areas',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { scope: 'province', code: '420000', from: '2022-08-01' },
  });
});

/** What the page does: ask the platform to text the holder, then check with the code from that SMS. */
async function authorisedCheck(h: { authorization: string }, phone: string, purpose: string) {
  const sent = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/itinerary-checks/sms-code',
    headers: h,
    payload: { purpose },
  });
  if (sent.statusCode !== 200) return sent;
  const text = platformSms.list(phone).at(-1)!.text;
  expect(text).toContain('昌通码');
  const code = /授权码(\d{6})/.exec(text)![1]!;
  return t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/itinerary-checks',
    headers: h,
    payload: { authorised: true, purpose, requestId: sent.json().requestId, smsCode: code },
  });
}

afterAll(async () => {
  await t?.close();
  await platform?.close();
  await node?.close();
  await platformKv?.close();
  await platformSql?.close();
});

describe('itinerary module through the real partner API', () => {
  it("a wrong SMS code reads nothing; without the owner's code the platform records no consent", async () => {
    const h = await login(t, '13800000022');
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/itinerary-checks/sms-code',
      headers: h,
      payload: { purpose: 'register' },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().phone).toBe('138****0022');
    const right = /授权码(\d{6})/.exec(platformSms.list('13800000022').at(-1)!.text)![1]!;
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/itinerary-checks',
      headers: h,
      payload: {
        authorised: true,
        purpose: 'register',
        requestId: sent.json().requestId,
        smsCode: right === '000000' ? '111111' : '000000',
      },
    });
    expect(wrong.json().error.code).toBe('CODE_INVALID');
    const bare = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/itinerary-checks',
      headers: h,
      payload: { authorised: true, purpose: 'register' },
    });
    expect(bare.json().error.code).toBe('CONSENT_PROOF_REQUIRED');
    // The partner client cannot record a consent on its own either.
    const partner = partnerClient();
    await expect(
      partner.grantConsent('13800000099', 'x', '2022-09-08T10:00:00+08:00', 'PG1.e30.x'),
    ).rejects.toMatchObject({
      code: 'CONSENT_PROOF_INVALID',
    });
    clock.advance(61_000); // the platform's resend interval for this number
  });

  it('reads the 14-day itinerary under a recorded consent and turns a Wuhan stay red', async () => {
    const h = await login(t, '13800000021');
    const chk = await authorisedCheck(h, '13800000021', 'register');
    expect(chk.statusCode, chk.body).toBe(200);
    expect(chk.json()).toMatchObject({
      windowStart: '2022-08-25T00:00:00+08:00',
      windowEnd: '2022-09-08T00:00:00+08:00',
      epidemicSojourn: true,
    });
    expect(chk.json().cities.map((c: { code: string }) => c.code)).toEqual(['360100', '420100']);
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/registrations',
      headers: h,
      payload: {
        name: '张三',
        idNumber: idNumber('360102', '1990-01-01', '321'),
        address: '南昌市西湖区',
        epidemicSojourn: false,
        symptoms: false,
        closeContact: false,
        itineraryCheckId: chk.json().checkId,
      },
    });
    expect(reg.json()).toMatchObject({ colour: 'red', epidemicSojourn: true });
  });

  it('answers No for a Nanchang-only itinerary', async () => {
    const h = await login(t, '13800000022');
    const chk = await authorisedCheck(h, '13800000022', 'checkin');
    expect(chk.json()).toMatchObject({ epidemicSojourn: false, hits: [] });
  });

  it("passes the platform's NO_DATA through with the itinerary card link", async () => {
    const h = await login(t, '13800000023');
    const chk = await authorisedCheck(h, '13800000023', 'register');
    expect(chk.statusCode).toBe(404);
    expect(chk.json().error).toMatchObject({ code: 'NO_DATA', itineraryCardUrl: 'http://127.0.0.1:3000/' });
  });

  it('turns an unreachable or refusing platform into QUERY_FAILED', async () => {
    const wrong = partnerClient({ clientSecret: 'wrong', timeoutMs: 2000 });
    await expect(wrong.grantConsent('13800000022', 'x', '2022-09-08T10:00:00+08:00', 'g')).rejects.toMatchObject({
      code: 'QUERY_FAILED',
    });
    const down = partnerClient({ baseUrl: 'http://127.0.0.1:9', clientId: 'a', clientSecret: 'b', timeoutMs: 500 });
    await expect(down.itinerary('13800000022', 'c')).rejects.toMatchObject({ code: 'QUERY_FAILED' });
  });
});
