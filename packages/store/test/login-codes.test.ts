// The login-code limits against a real Redis: the consume script's contract, and
// concurrent bursts of guesses that must never get more tries than allowed.
import { AppError } from '@itinerary-card/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_CODE_LIMITS, type KeyValue, LoginCodes, openRedisKeyValue, Secrets } from '../src/index.ts';
import { startRedis, type TestServer } from '../src/testing/index.ts';

let redis: TestServer;
let kv: KeyValue;

beforeAll(async () => {
  redis = await startRedis();
  kv = await openRedisKeyValue(redis.url, 'lc-test:');
});
afterAll(async () => {
  await kv?.close();
  await redis?.stop();
});

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => {
      if (e instanceof AppError) return e.code;
      throw e;
    },
  );

describe('login codes on Redis', () => {
  it('consume counts every counter or none, in one step', async () => {
    const both = [
      { key: 'c:a', max: 2, ttlMs: 60_000 },
      { key: 'c:b', max: 3, ttlMs: 90_000 },
    ];
    expect(await kv.consume(both)).toEqual({ ok: true, counts: [1, 1] });
    expect(await kv.consume(both)).toEqual({ ok: true, counts: [2, 2] });
    const refused = await kv.consume(both);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.index).toBe(0);
      expect(refused.ttlMs).toBeGreaterThan(50_000);
    }
    expect(await kv.get('c:b')).toBe('2');
    expect(await kv.ttl('c:b')).toBeGreaterThan(80_000);
    expect(await kv.consume([{ key: 'c:lock', max: 1, add: 0 }])).toEqual({ ok: true, counts: [0] });
    expect(await kv.get('c:lock')).toBeNull();
    await kv.set('c:lock', '1', 5_000);
    expect((await kv.consume([{ key: 'c:lock', max: 1, add: 0 }])).ok).toBe(false);
    // takeIf: only while the key still holds the value, and only once under concurrency.
    await kv.set('c:code', 'new', 60_000);
    expect(await kv.takeIf('c:code', 'old')).toBe(false);
    expect(await kv.get('c:code')).toBe('new');
    const takers = await Promise.all(Array.from({ length: 20 }, () => kv.takeIf('c:code', 'new')));
    expect(takers.filter(Boolean).length).toBe(1);
    expect(await kv.get('c:code')).toBeNull();
    // 200 concurrent callers on a limit of 7: exactly 7 pass.
    const burst = await Promise.all(Array.from({ length: 200 }, () => kv.consume([{ key: 'c:burst', max: 7 }])));
    expect(burst.filter((r) => r.ok).length).toBe(7);
  });

  it('a burst of 100 concurrent guesses, the real code at a random place, never passes beyond 5 tries', async () => {
    const codes = new LoginCodes({
      kv,
      now: () => Date.now(),
      secrets: new Secrets('redis-test-secret-key-123'),
      limits: DEFAULT_LOGIN_CODE_LIMITS,
    });
    let accepted = 0;
    let early = 0;
    for (let trial = 0; trial < 6; trial++) {
      const phone = `1370000${String(1000 + trial)}`;
      const { code } = await codes.issue(phone, '10.0.0.1');
      const at = trial === 0 ? 2 : 5 + Math.floor(Math.random() * 95);
      if (at < 5) early++;
      const guesses = Array.from({ length: 100 }, (_, i) =>
        i === at ? code : String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
      );
      const out = await Promise.all(guesses.map((g, i) => outcome(codes.check(phone, g, `10.1.${trial}.${i}`))));
      accepted += out.filter((o) => o === 'OK').length;
      expect(out.filter((o) => o === 'OK' || o === 'CODE_INVALID').length).toBeLessThanOrEqual(5);
    }
    // Concurrent requests reach Redis in an order of their own: the right code
    // among the first five sent may or may not be among the five compared.
    expect(accepted).toBeLessThanOrEqual(early);
  });

  it('keeps no number in a key name and no code in a value', async () => {
    const codes = new LoginCodes({
      kv,
      now: () => Date.now(),
      secrets: new Secrets('redis-test-secret-key-123'),
      limits: DEFAULT_LOGIN_CODE_LIMITS,
    });
    const { code } = await codes.issue('13600001111', '10.9.9.9');
    await outcome(codes.check('13600001111', code === '000000' ? '000001' : '000000', '10.9.9.9'));
    const raw = new Redis(redis.url);
    const keys = await raw.keys('*');
    const values = await Promise.all(keys.map((k) => raw.get(k)));
    await raw.quit();
    expect(keys.join(' ')).not.toContain('13600001111');
    expect(keys.join(' ')).not.toContain('10.9.9.9');
    expect(values.join(' ')).not.toContain(code);
  });
});
