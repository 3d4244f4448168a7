// The production storage pair: PostgreSQL for records and Redis for sessions, SMS
// codes, rate limits and itinerary checks, both real servers on 127.0.0.1.
import { systemClock } from '@itinerary-card/domain';
import { type KeyValue, openPostgresSql, openRedisKeyValue, type Sql } from '@itinerary-card/store';
import { startPostgres, startRedis, type TestServer } from '@itinerary-card/store/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { fakePartner } from './fake-partner.ts';
import { checkItinerary, idNumber, TestOutbox, testConfig } from './helpers.ts';

let pg: TestServer;
let redis: TestServer;
let sql: Sql;
let kv: KeyValue;
let app: FastifyInstance;
const sms = new TestOutbox();
const partner = fakePartner(Date.parse('2022-09-08T00:00:00+08:00'));

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  sql = await openPostgresSql(pg.url, 4);
  kv = await openRedisKeyValue(redis.url, 'hc-test:');
  partner.answers.set('13800000041', { cities: [['360100', '江西省', '南昌市']], countries: [['JP', '日本']] });
  app = await buildHealthCode({ sql, kv, clock: systemClock, sms, partner, config: testConfig(), timers: false });
  await app.inject({
    method: 'POST',
    url: '/api/hc/v1/admin/epidemic-areas',
    headers: { authorization: `Bearer ${testConfig().adminToken}` },
    payload: { scope: 'abroad', from: '2020-01-01' },
  });
});

afterAll(async () => {
  await app?.close();
  await kv?.close();
  await sql?.close();
  // pg's Pool.end() resolves before its sockets close: let them close before the server stops.
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('PostgreSQL + Redis', () => {
  it('logs in, limits resends, registers with the itinerary module, and checks in', async () => {
    const phone = '13800000041';
    expect((await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } })).statusCode).toBe(200);
    const again = await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } });
    expect(again.statusCode).toBe(429);
    expect(again.json().error.retryAfterSeconds).toBeGreaterThan(0);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/login',
      payload: { phone, code: '000000' === sms.lastCode(phone) ? '111111' : '000000' },
    });
    expect(wrong.json().error.code).toBe('CODE_INVALID');
    const login = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/login',
      payload: { phone, code: sms.lastCode(phone) },
    });
    expect(login.statusCode).toBe(200);
    const h = { authorization: `Bearer ${login.json().token}` };
    const chk = (await checkItinerary(app, partner, h, 'register')).json();
    expect(chk.epidemicSojourn).toBe(true);
    const reg = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/registrations',
      headers: h,
      payload: {
        name: '孙八',
        idNumber: idNumber('360102', '1992-02-02', '888'),
        address: '南昌市青山湖区',
        epidemicSojourn: false,
        symptoms: false,
        closeContact: false,
        itineraryCheckId: chk.checkId,
      },
    });
    expect(reg.json()).toMatchObject({ colour: 'red', epidemicSojourn: true });
    const v = (
      await app.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: h,
        payload: { kind: 'vehicle', name: '赣A12345', address: '南昌公交1路' },
      })
    ).json();
    const punch = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: h,
      payload: { code: v.checkinUrl },
    });
    expect(punch.json()).toMatchObject({ venue: { kindName: '车辆码', name: '赣A12345' } });
    await app.healthCode.checkinWriter.drain();
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins'))[0]!.n).toBe(1);
  });
});

describe('concurrent applications', () => {
  it('two racing applications with the same ID number and name: one registers, the other claims it', async () => {
    const id = idNumber('360102', '1993-03-03', '999');
    const heads = [];
    for (const phone of ['13800000042', '13800000043']) {
      await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } });
      const r = await app.inject({
        method: 'POST',
        url: '/api/hc/v1/login',
        payload: { phone, code: sms.lastCode(phone) },
      });
      heads.push({ authorization: `Bearer ${r.json().token}` });
    }
    const body = {
      name: '周九',
      idNumber: id,
      address: '南昌市',
      epidemicSojourn: false,
      symptoms: false,
      closeContact: false,
    };
    const rs = await Promise.all(
      heads.map((headers) => app.inject({ method: 'POST', url: '/api/hc/v1/registrations', headers, payload: body })),
    );
    // Neither answer tells that the other phone registered the ID: both are a registration.
    expect(rs.map((r) => r.statusCode)).toEqual([201, 201]);
    const rows = await sql.query<{ phone: string }>('SELECT phone FROM hc_people WHERE id_number = $1', [id]);
    expect(rows).toHaveLength(1);
    const claims = await sql.query<{ from_phone: string; to_phone: string }>(
      'SELECT from_phone, to_phone FROM hc_claims WHERE to_phone = $1',
      [rows[0]!.phone],
    );
    expect(claims).toHaveLength(1);
    // The phone that lost the race is told who holds the code now.
    expect(sms.list(claims[0]!.from_phone).at(-1)!.text).toContain('认领');
  });
});
