// The health-code login under the platform's rule (packages/store LoginCodes),
// logout, check-in throttling, and what Redis holds, on memory and a real Redis.
import { ManualClock } from '@itinerary-card/domain';
import { openPgliteSql, openRedisKeyValue, type Sql } from '@itinerary-card/store';
import { startRedis, type TestServer } from '@itinerary-card/store/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { readConfig } from '../src/config.ts';
import { fakePartner } from './fake-partner.ts';
import { ADMIN, login, makeApp, registerHolder, T0, type TestApp, TestOutbox, testConfig } from './helpers.ts';

let redis: TestServer;
/** One database for every app here: starting PGlite is the slowest part of an app's start. */
let sql: Sql;
beforeAll(async () => {
  [redis, sql] = await Promise.all([startRedis(), openPgliteSql()]);
});
afterAll(async () => {
  await sql?.close();
  await redis?.stop();
});

const partner = () => fakePartner(Date.parse('2022-09-08T00:00:00+08:00'));
const wrongFor = (code: string, i = 0) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
const sendCode = (t: TestApp, phone: string, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone }, remoteAddress: ip });
const tryCode = (t: TestApp, phone: string, code: string, ip: string) =>
  t.app.inject({ method: 'POST', url: '/api/hc/v1/login', payload: { phone, code }, remoteAddress: ip });

async function withApp(fn: (t: TestApp) => Promise<void>) {
  const t = await makeApp(partner(), { sql });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

describe('health-code login limits', () => {
  it('a number gets at most 5 codes an hour and 10 a day, and a dead code does not hand out fresh tries at once', async () => {
    await withApp(async (t) => {
      const phone = '13800000051';
      let compared = 0;
      const waits: number[] = [];
      // A stranger asks for a code whenever allowed for two hours and guesses each 5 times.
      const end = t.clock.now() + 2 * 3_600_000;
      while (t.clock.now() < end) {
        const r = await sendCode(t, phone, '10.1.0.1');
        if (r.statusCode !== 200) {
          expect(r.statusCode).toBe(429);
          const wait = r.json().error.retryAfterSeconds as number;
          expect(r.headers['retry-after']).toBe(String(wait));
          waits.push(wait);
          t.clock.advance(Math.max(1, wait) * 1000);
          continue;
        }
        const code = t.sms.lastCode(phone);
        for (let i = 0; i < 8; i++) {
          const g = await tryCode(t, phone, wrongFor(code, i), `10.2.${compared % 250}.${i}`);
          if (g.json().error?.code === 'CODE_INVALID') compared++;
          else break;
        }
      }
      // 10 codes (5 per hour), 4 compared wrong each before the fifth kills it.
      expect(compared).toBeLessThanOrEqual(10 * 4);
      expect(waits.some((w) => w > 60)).toBe(true);
      expect(waits.every((w) => w <= 3_600)).toBe(true);
    });
  });

  it('limits codes per client address', async () => {
    await withApp(async (t) => {
      const out: number[] = [];
      for (let i = 0; i < 31; i++) out.push((await sendCode(t, `1390000${String(2000 + i)}`, '10.3.0.1')).statusCode);
      expect(out.slice(0, 30).every((s) => s === 200)).toBe(true);
      expect(out[30]).toBe(429);
      expect((await sendCode(t, '13900003000', '10.3.0.2')).statusCode).toBe(200);
    });
  });

  it('a concurrent burst of 100 guesses gets at most 5 compared, on Redis too', async () => {
    const kv = await openRedisKeyValue(redis.url, 'hc-burst:');
    const sms = new TestOutbox();
    const clock = new ManualClock(T0);
    const app = await buildHealthCode({ sql, kv, clock, sms, partner: partner(), config: testConfig(), timers: false });
    const t: TestApp = { app, clock, sms, sql, close: async () => {} };
    try {
      for (let trial = 0; trial < 3; trial++) {
        const phone = `1370000${String(3000 + trial)}`;
        expect((await sendCode(t, phone)).statusCode).toBe(200);
        const code = sms.lastCode(phone);
        const at = 10 + Math.floor(Math.random() * 90);
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            tryCode(t, phone, i === at ? code : wrongFor(code, i), `10.4.${trial}.${i}`),
          ),
        );
        const codes = answers.map((r) => (r.statusCode === 200 ? 'OK' : r.json().error.code));
        expect(codes.filter((c) => c === 'OK' || c === 'CODE_INVALID').length).toBeLessThanOrEqual(5);
        expect(codes).not.toContain('OK');
      }
      // Key names hold keyed ids, codes are MACs, sessions are stored under a hash of their token.
      const phone = '13700009999';
      expect((await sendCode(t, phone)).statusCode).toBe(200);
      const code = sms.lastCode(phone);
      const r = await tryCode(t, phone, code, '10.5.0.1');
      expect(r.statusCode).toBe(200);
      const raw = new Redis(redis.url);
      const keys = await raw.keys('hc-burst:*');
      const values = await Promise.all(keys.map((k) => raw.get(k)));
      await raw.quit();
      expect(keys.length).toBeGreaterThan(0);
      const all = `${keys.join(' ')} ${values.join(' ')}`;
      for (const p of ['13700003000', '13700003001', '13700003002']) expect(keys.join(' ')).not.toContain(p);
      expect(keys.join(' ')).not.toContain(phone);
      expect(all).not.toContain(r.json().token);
      for (const m of sms.sent) expect(all).not.toContain(/(\d{6})/.exec(m.text)![1]!);
    } finally {
      await app.close();
      await kv.close();
    }
  });
});

describe('health-code sessions', () => {
  it('logout ends the session at once', async () => {
    await withApp(async (t) => {
      const auth = await login(t, '13800000052');
      expect((await t.app.inject({ url: '/api/hc/v1/venues', headers: auth })).statusCode).toBe(200);
      const out = await t.app.inject({ method: 'POST', url: '/api/hc/v1/logout', headers: auth });
      expect(out.statusCode).toBe(204);
      const after = await t.app.inject({ url: '/api/hc/v1/venues', headers: auth });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('UNAUTHENTICATED');
      // Logging out twice is harmless.
      expect((await t.app.inject({ method: 'POST', url: '/api/hc/v1/logout', headers: auth })).statusCode).toBe(204);
    });
  });

  it('kept in memory by a replica, a session logged out on another replica ends there at once (Redis)', async () => {
    // Two replicas on one Redis and one database; sessions are kept in memory (HC_SESSION_CACHE_SECONDS).
    const clock = new ManualClock(T0);
    const sms = new TestOutbox();
    const replica = async () => {
      const kv = await openRedisKeyValue(redis.url, 'hc-replicas:');
      const config = testConfig({ sessionCacheSeconds: 600 });
      const app = await buildHealthCode({ sql, kv, clock, sms, partner: partner(), config, timers: false });
      return { app, kv };
    };
    const [a, b] = await Promise.all([replica(), replica()]);
    const raw = new Redis(redis.url);
    try {
      const t: TestApp = { app: a.app, clock, sms, sql, close: async () => {} };
      const auth = await login(t, '13800000054');
      // Replica b reads the session once and keeps it: its next requests read no session from Redis.
      expect((await b.app.inject({ url: '/api/hc/v1/venues', headers: auth })).statusCode).toBe(200);
      const reads = Number(/cmdstat_get:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0);
      for (let i = 0; i < 3; i++) {
        expect((await b.app.inject({ url: '/api/hc/v1/venues', headers: auth })).statusCode).toBe(200);
      }
      expect(Number(/cmdstat_get:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0)).toBe(reads);
      // Logged out on a: b refuses the session as soon as Redis has delivered the announcement.
      expect((await a.app.inject({ method: 'POST', url: '/api/hc/v1/logout', headers: auth })).statusCode).toBe(204);
      let status = 200;
      for (let i = 0; i < 100 && status === 200; i++) {
        status = (await b.app.inject({ url: '/api/hc/v1/venues', headers: auth })).statusCode;
        if (status === 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(401);
    } finally {
      await raw.quit();
      await a.app.close();
      await b.app.close();
      await a.kv.close();
      await b.kv.close();
    }
  });
});

describe('check-ins', () => {
  it('are throttled per account (a few a minute) and per address, with the seconds to wait', async () => {
    await withApp(async (t) => {
      const phone = '13800000053';
      const { h: auth } = await registerHolder(t, phone, '123', { name: '张三', address: '南昌市' });
      const venue = await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: auth,
        payload: { kind: 'unit', name: '测试单位', address: '南昌市' },
      });
      const code = venue.json().checkinUrl as string;
      const punch = (ip: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/checkins',
          headers: auth,
          payload: { code },
          remoteAddress: ip,
        });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await punch('10.6.0.1')).statusCode);
      expect(statuses.filter((s) => s === 201).length).toBe(5);
      const refused = await punch('10.6.0.2');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('TOO_MANY_REQUESTS');
      expect(refused.json().error.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.json().error.retryAfterSeconds).toBeLessThanOrEqual(60);
      t.clock.advance(60_000);
      expect((await punch('10.6.0.1')).statusCode).toBe(201);
      const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins');
      expect(rows[0]!.n).toBe(6);
    });
  });

  it('arriving together on Redis are counted in one script, each account and address still held to its limit', async () => {
    const kv = await openRedisKeyValue(redis.url, 'hc-checkin-burst:');
    const t = await makeApp(partner(), { sql, kv, config: { checkinsPerMinute: 5, checkinsPerIpPerMinute: 8 } });
    const raw = new Redis(redis.url);
    try {
      const holders: Array<{ authorization: string }> = [];
      for (const [i, phone] of ['13800000061', '13800000062'].entries()) {
        const { h } = await registerHolder(t, phone, `16${i}`, { name: '张三', address: '南昌市' });
        holders.push(h);
      }
      const venue = await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: holders[0]!,
        payload: { kind: 'unit', name: '测试单位', address: '南昌市' },
      });
      const code = venue.json().checkinUrl as string;
      const scripts = async () => {
        const stats = await raw.info('commandstats');
        return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      };
      const before = await scripts();
      // 10 check-ins of each holder at once, all from one address: 5 per account and 8 per address pass.
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.app.inject({
            method: 'POST',
            url: '/api/hc/v1/checkins',
            headers: holders[i % 2]!,
            payload: { code },
            remoteAddress: '10.7.0.1',
          }),
        ),
      );
      const passed = answers.map((r, i) => (r.statusCode === 201 ? i % 2 : -1)).filter((h) => h >= 0);
      expect(passed.length).toBe(8);
      expect(passed.filter((h) => h === 0).length).toBeLessThanOrEqual(5);
      expect(passed.filter((h) => h === 1).length).toBeLessThanOrEqual(5);
      for (const r of answers.filter((a) => a.statusCode !== 201)) {
        expect(r.statusCode).toBe(429);
        expect(r.json().error.retryAfterSeconds).toBeGreaterThan(0);
      }
      // Fewer scripts than check-ins: the ones that arrived together went to Redis as one.
      expect(await scripts()).toBeLessThan(before + 10);
      const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins WHERE venue_id = $1', [
        venue.json().id,
      ]);
      expect(rows[0]!.n).toBe(8);
    } finally {
      await raw.quit();
      await t.close();
    }
  });

  it('per-address limits see the client behind a trusted proxy (HC_TRUST_PROXY)', () => {
    const env = {
      HC_PUBLIC_URL: 'http://127.0.0.1:3001',
      HC_ITINERARY_CARD_URL: 'http://127.0.0.1:3000/',
      HC_KEY_SECRET: 'k'.repeat(16),
      HC_ADMIN_TOKEN: ADMIN,
      HC_PARTNER_URL: 'http://127.0.0.1:3000',
      HC_PARTNER_CLIENT_ID: 'x',
      HC_PARTNER_CLIENT_SECRET: 'y',
      HC_DEV_OUTBOX: 'true',
    };
    expect(readConfig(env)).toMatchObject({ trustProxy: false, checkinsPerMinute: 5, checkinsPerIpPerMinute: 120 });
    expect(readConfig({ ...env, HC_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1');
    expect(readConfig({ ...env, HC_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(() => readConfig({ ...env, HC_TRUST_PROXY: 'lb.example' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ variable: 'HC_TRUST_PROXY' }) }),
    );
  });
});
