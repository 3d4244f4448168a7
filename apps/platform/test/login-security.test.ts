// Login codes, sessions and the HTTP SMS form under attack, on the embedded store
// and on a real Redis: bursts of guesses, strangers guessing someone else's
// number, logout and revocation, who may post an inbound SMS.
import { type KeyValue, openKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import { startRedis, type TestServer } from '@itinerary-card/store/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlatformConfig } from '../src/config.ts';
import { login, startTestPlatform, type TestPlatform } from './fixtures.ts';

let redis: TestServer;
/** One database for every platform here: starting PGlite is the slowest part of a platform's start. */
let sql: Sql;

beforeAll(async () => {
  [redis, sql] = await Promise.all([startRedis(), openPgliteSql()]);
});
afterAll(async () => {
  await sql?.close();
  await redis?.stop();
});

const wrongFor = (code: string, i = 0) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

async function withPlatform(
  store: 'memory' | 'redis',
  fn: (p: TestPlatform) => Promise<void>,
  options: Parameters<typeof startTestPlatform>[0] = {},
) {
  const kv: KeyValue | undefined =
    store === 'redis' ? await openKeyValue({ url: redis.url, prefix: `t${Math.random()}:` }) : undefined;
  const p = await startTestPlatform({ ...options, kv, sql });
  try {
    await fn(p);
  } finally {
    await p.close();
    await kv?.close();
  }
}

const codeLogin = (p: TestPlatform, phone: string, code: string, ip: string, extra: object = {}) =>
  p.app.inject({ method: 'POST', url: '/api/v1/login', payload: { phone, code, ...extra }, remoteAddress: ip });

describe.each(['memory', 'redis'] as const)('login codes (%s store)', (store) => {
  it('a concurrent burst of 100 guesses from 100 addresses, the real code at a random place, gets no more than 5 tries', async () => {
    await withPlatform(store, async (p) => {
      let accepted = 0;
      let early = 0;
      for (let trial = 0; trial < 3; trial++) {
        const phone = `1380000${String(1100 + trial)}`;
        p.clock.advance(61_000);
        const sent = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
        expect(sent.statusCode).toBe(200);
        const code = p.outbox.lastCode(phone);
        const at = 20 + Math.floor(Math.random() * 80);
        if (at < 5) early++;
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            codeLogin(p, phone, i === at ? code : wrongFor(code, i), `10.7.${trial}.${i}`),
          ),
        );
        const codes = answers.map((r) => (r.statusCode === 200 ? 'OK' : r.json().error.code));
        accepted += codes.filter((c) => c === 'OK').length;
        expect(codes.filter((c) => c === 'OK' || c === 'CODE_INVALID').length).toBeLessThanOrEqual(5);
        expect(answers.every((r) => r.statusCode !== 500)).toBe(true);
      }
      expect(accepted).toBe(early);
    });
  });

  // The waits run on the app's clock, which the test moves: the embedded store's TTLs follow it, Redis's do not.
  it.runIf(store === 'memory')(
    "strangers' wrong guesses do not lock the owner out for the day; the answer says how long to wait",
    async () => {
      await withPlatform(store, async (p) => {
        const phone = '13800000001';
        // Ten wrong guesses over two codes, from strangers' addresses.
        for (let round = 0; round < 2; round++) {
          p.clock.advance(20 * 60_000);
          expect(
            (
              await p.app.inject({
                method: 'POST',
                url: '/api/v1/sms-code',
                payload: { phone },
                remoteAddress: '10.5.0.1',
              })
            ).statusCode,
          ).toBe(200);
          const code = p.outbox.lastCode(phone);
          for (let i = 0; i < 5; i++) {
            const r = await codeLogin(p, phone, wrongFor(code, i), `10.6.${round}.${i}`);
            if (i < 4) {
              expect(r.json().error).toMatchObject({ code: 'CODE_INVALID', attemptsLeft: 4 - i });
              continue;
            }
            expect(r.statusCode).toBe(429);
            const err = r.json().error;
            expect(err.code).toBe('TOO_MANY_ATTEMPTS');
            expect(err.retryAfterSeconds).toBeGreaterThan(0);
            expect(err.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
            expect(r.headers['retry-after']).toBe(String(err.retryAfterSeconds));
            expect(err.message).toContain(`${err.retryAfterSeconds}秒`);
          }
        }
        // The owner, a few minutes later (not the next day), gets a code and logs in with it.
        p.clock.advance(20 * 60_000);
        const own = await p.app.inject({
          method: 'POST',
          url: '/api/v1/sms-code',
          payload: { phone },
          remoteAddress: '10.9.0.1',
          headers: { 'accept-language': 'en' },
        });
        expect(own.statusCode).toBe(200);
        const r = await codeLogin(p, phone, p.outbox.lastCode(phone), '10.9.0.1');
        expect(r.statusCode).toBe(200);
      });
    },
  );
});

describe('sessions', () => {
  it('logout ends the session and forgets the device it came with; the device token then works from nowhere', async () => {
    await withPlatform('memory', async (p) => {
      const phone = '13800000001';
      p.clock.advance(61_000);
      await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      const first = (await codeLogin(p, phone, p.outbox.lastCode(phone), '10.0.0.1', { rememberDevice: true })).json();
      const device = (ip: string) =>
        p.app.inject({
          method: 'POST',
          url: '/api/v1/login',
          payload: { phone, deviceToken: first.deviceToken },
          remoteAddress: ip,
        });
      const second = await device('10.0.0.2');
      expect(second.statusCode).toBe(200);
      const out = await p.app.inject({
        method: 'POST',
        url: '/api/v1/logout',
        headers: { authorization: `Bearer ${second.json().token}` },
      });
      expect(out.statusCode).toBe(204);
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) expect((await device(ip)).statusCode).toBe(401);
      // The first session was not the one logged out, but its device is gone with it.
      expect(
        (
          await p.app.inject({
            method: 'DELETE',
            url: '/api/v1/devices',
            headers: { authorization: `Bearer ${first.token}` },
          })
        ).statusCode,
      ).toBe(204);
    });
  });

  it('logout with an expired session still forgets the device named in X-Device-Token', async () => {
    await withPlatform('memory', async (p) => {
      const phone = '13800000004';
      p.clock.advance(61_000);
      await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      const s = (await codeLogin(p, phone, p.outbox.lastCode(phone), '10.0.0.1', { rememberDevice: true })).json();
      p.clock.advance(31 * 60_000);
      const out = await p.app.inject({
        method: 'POST',
        url: '/api/v1/logout',
        headers: { authorization: `Bearer ${s.token}`, 'x-device-token': s.deviceToken },
      });
      expect(out.statusCode).toBe(204);
      const again = await p.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { phone, deviceToken: s.deviceToken },
      });
      expect(again.statusCode).toBe(401);
    });
  });

  it('revoking all devices ends every open session of the number, also one cached by another replica', async () => {
    const kv = await openKeyValue({ url: redis.url, prefix: 'revoke-all:' });
    const kv2 = await openKeyValue({ url: redis.url, prefix: 'revoke-all:' });
    const p = await startTestPlatform({ kv, sql, options: { sessionCacheMs: 600_000 } });
    const other = await startTestPlatform({ kv: kv2, sql, options: { sessionCacheMs: 600_000 } });
    try {
      const phone = '13800000001';
      await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      const first = (await codeLogin(p, phone, p.outbox.lastCode(phone), '10.0.0.1', { rememberDevice: true })).json();
      const a = first.token as string;
      const byDevice = await p.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { phone, deviceToken: first.deviceToken },
      });
      const b = byDevice.json().token as string;
      const c = await login(p, '13800000006');
      const ask = (on: TestPlatform, token: string) =>
        on.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(on.clock.now()) },
        });
      for (const t of [a, b, c]) expect((await ask(other, t)).statusCode).toBe(200);
      const r = await p.app.inject({
        method: 'DELETE',
        url: '/api/v1/devices',
        headers: { authorization: `Bearer ${a}` },
      });
      expect(r.statusCode).toBe(204);
      for (const on of [p, other]) {
        await expect.poll(async () => (await ask(on, b)).statusCode, { timeout: 5_000 }).toBe(401);
        expect((await ask(on, a)).statusCode).toBe(401);
        expect((await ask(on, c)).statusCode).toBe(200); // another number's session stands
      }
    } finally {
      await other.close();
      await p.close();
      await kv.close();
      await kv2.close();
    }
  });
});

describe('POST /api/v1/sms/inbound', () => {
  const sms = (p: TestPlatform, headers: Record<string, string> = {}) =>
    p.app.inject({
      method: 'POST',
      url: '/api/v1/sms/inbound',
      headers,
      payload: { from: '13800000001', to: '10086', text: 'CXMYD' },
    });

  it('is refused unless a gateway token is configured or the demo opens it, and nothing is sent', async () => {
    await withPlatform('memory', async (p) => {
      const r = await sms(p);
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('SMS_INBOUND_DISABLED');
      expect(p.outbox.list('13800000001')).toEqual([]);
    });
    await withPlatform(
      'memory',
      async (p) => {
        expect((await sms(p)).statusCode).toBe(202);
        expect(p.outbox.list('13800000001').length).toBe(1);
      },
      { options: { smsInboundOpen: true } },
    );
  });

  it('with PLATFORM_SMS_INBOUND_TOKEN takes only the gateway, and keeps no number in Redis key names', async () => {
    const token = 'gateway-token-0123456789';
    await withPlatform(
      'redis',
      async (p) => {
        expect((await sms(p)).statusCode).toBe(403);
        expect((await sms(p, { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(403);
        expect(p.outbox.list('13800000001')).toEqual([]);
        expect((await sms(p, { authorization: `Bearer ${token}` })).statusCode).toBe(202);
        expect(p.outbox.list('13800000001').length).toBe(1);
        const raw = new Redis(redis.url);
        const keys = await raw.keys('*');
        await raw.quit();
        expect(keys.some((k) => k.includes(':sms:in:'))).toBe(true);
        expect(keys.join(' ')).not.toContain('13800000001');
      },
      { options: { smsInboundToken: token } },
    );
    const env = {
      PLATFORM_SECRET_KEY: 'k'.repeat(16),
      PLATFORM_SERVICE_SECRET: 's'.repeat(16),
      PLATFORM_NODE_CMCC: 'http://127.0.0.1:1',
    };
    expect(readPlatformConfig(env).options).toMatchObject({ smsInboundToken: '', smsInboundOpen: false });
    expect(readPlatformConfig({ ...env, PLATFORM_SMS_INBOUND_TOKEN: token }).options.smsInboundToken).toBe(token);
    expect(() => readPlatformConfig({ ...env, PLATFORM_SMS_INBOUND_TOKEN: 'short' })).toThrow(
      expect.objectContaining({ details: { variable: 'PLATFORM_SMS_INBOUND_TOKEN' } }),
    );
  });
});
