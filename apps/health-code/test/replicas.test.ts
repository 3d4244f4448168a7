// Two (and three) health-code replicas on one real PostgreSQL and Redis: a venue
// or a key revoked through one replica stops working on the others within
// seconds (Redis pub/sub), and a replica that misses the message stops trusting
// its cached venue codes when they expire.
import { systemClock } from '@itinerary-card/domain';
import { type KeyValue, openPostgresSql, openRedisKeyValue, type Sql } from '@itinerary-card/store';
import { startPostgres, startRedis, type TestServer } from '@itinerary-card/store/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import type { HealthCodeConfig } from '../src/config.ts';
import { fakePartner } from './fake-partner.ts';
import { ADMIN, idNumber, TestOutbox, testConfig } from './helpers.ts';

let pg: TestServer;
let redis: TestServer;
const closers: Array<() => Promise<unknown>> = [];
const sms = new TestOutbox();
const admin = { authorization: `Bearer ${ADMIN}` };
let a: FastifyInstance;
let b: FastifyInstance;
let c: FastifyInstance;

/** A replica: its own SQL pool and Redis connection, as a separate process would have. */
async function replica(over: Partial<HealthCodeConfig> = {}, deaf = false): Promise<FastifyInstance> {
  const sql: Sql = await openPostgresSql(pg.url, 2);
  const real = await openRedisKeyValue(redis.url, 'hc-rep:');
  // A replica whose subscription hears nothing (a missed message).
  const kv: KeyValue = deaf ? Object.assign(Object.create(real), { subscribe: async () => async () => {} }) : real;
  const partner = fakePartner(Date.parse('2022-09-08T00:00:00+08:00'));
  const app = await buildHealthCode({
    sql,
    kv,
    clock: systemClock,
    sms,
    partner,
    // The test checks in over and over from one account: not the throttle under test here.
    config: testConfig({ checkinsPerMinute: 10_000, ...over }),
    timers: false,
  });
  closers.push(
    () => app.close(),
    () => real.close(),
    () => sql.close(),
  );
  return app;
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  a = await replica();
  b = await replica();
  c = await replica({ venueCacheSeconds: 1 }, true);
});

afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

async function loginOn(app: FastifyInstance, phone: string) {
  await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } });
  const r = await app.inject({
    method: 'POST',
    url: '/api/hc/v1/login',
    payload: { phone, code: sms.lastCode(phone) },
  });
  return { authorization: `Bearer ${r.json().token}` };
}

async function punch(app: FastifyInstance, h: { authorization: string }, code: string) {
  const r = await app.inject({ method: 'POST', url: '/api/hc/v1/checkins', headers: h, payload: { code } });
  return r.statusCode === 201 ? 'ok' : (r.json().error.code as string);
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[1] as string;

describe('revocations across replicas', () => {
  let h: { authorization: string };
  const venues: Array<{ id: string; checkinUrl: string }> = [];

  beforeAll(async () => {
    h = await loginOn(a, '13800000071');
    const reg = await a.inject({
      method: 'POST',
      url: '/api/hc/v1/registrations',
      headers: h,
      payload: {
        name: '赵六',
        idNumber: idNumber('360102', '1980-08-08', '777'),
        address: '南昌市',
        epidemicSojourn: false,
        symptoms: false,
        closeContact: false,
      },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    for (const name of ['一号门岗', '二号门岗', '三号门岗']) {
      const r = await a.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: h,
        payload: { kind: 'checkpoint', name, address: '南昌市青山湖区' },
      });
      venues.push(r.json());
    }
  });

  it('a venue withdrawn on one replica is refused by the other within seconds', async () => {
    const v = venues[0]!;
    expect(await punch(b, h, v.checkinUrl)).toBe('ok'); // cached on b now
    expect(await punch(b, h, v.checkinUrl)).toBe('ok');
    const r = await a.inject({ method: 'POST', url: `/api/hc/v1/admin/venues/${v.id}/revoke`, headers: admin });
    expect(r.statusCode, r.body).toBe(200);
    expect(await punch(a, h, v.checkinUrl)).toBe('VENUE_CODE_INVALID');
    await expect.poll(() => punch(b, h, v.checkinUrl), { timeout: 5000, interval: 100 }).toBe('VENUE_CODE_INVALID');
    expect(await punch(b, h, venues[1]!.checkinUrl)).toBe('ok');
  });

  it('a replica that missed the message stops trusting its cached code when it expires', async () => {
    const v = venues[1]!;
    expect(await punch(c, h, v.checkinUrl)).toBe('ok');
    await a.inject({ method: 'POST', url: `/api/hc/v1/admin/venues/${v.id}/revoke`, headers: admin });
    await expect.poll(() => punch(c, h, v.checkinUrl), { timeout: 5000, interval: 200 }).toBe('VENUE_CODE_INVALID');
  });

  it('a key revoked on one replica: the other signs with the standby key and refuses the old posters', async () => {
    const v = venues[2]!;
    expect(await punch(b, h, v.checkinUrl)).toBe('ok');
    const code = (await b.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token as string;
    const kid = kidOf(code);
    const r = await a.inject({ method: 'POST', url: `/api/hc/v1/admin/keys/${kid}/revoke`, headers: admin });
    expect(r.json()).toMatchObject({ revoked: true });
    await expect
      .poll(
        async () => kidOf((await b.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token),
        {
          timeout: 5000,
          interval: 100,
        },
      )
      .not.toBe(kid);
    expect(await punch(b, h, v.checkinUrl)).toBe('VENUE_REPRINT_REQUIRED');
    const fresh = (await b.inject({ method: 'GET', url: '/api/hc/v1/venues', headers: h })).json().venues;
    const renewed = fresh.find((x: { id: string }) => x.id === v.id);
    expect(renewed).toMatchObject({ reprintRequired: true });
    expect(await punch(b, h, renewed.checkinUrl)).toBe('ok');
    const verify = await b.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code } });
    expect(verify.json().error.code).toBe('HEALTH_CODE_FORGED');
  });
});
