import { ManualClock } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { KeyValueRateLimiter, MemoryRateLimiter } from './rate-limiter.ts';

describe('MemoryRateLimiter', () => {
  it('allows `limit` hits per window per key, then says how long to wait', async () => {
    const clock = new ManualClock(0);
    const l = new MemoryRateLimiter({ limit: 2, windowMs: 1000 }, clock);
    expect((await l.hit('a')).allowed).toBe(true);
    expect((await l.hit('b')).allowed).toBe(true);
    clock.advance(100);
    expect(await l.hit('a')).toMatchObject({ allowed: true, count: 2 });
    expect(await l.hit('a')).toEqual({ allowed: false, count: 3, retryAfterMs: 900, limit: 2 });
    clock.advance(900);
    expect(await l.hit('a')).toMatchObject({ allowed: true, count: 1 });
  });

  it('stays bounded in memory', async () => {
    const l = new MemoryRateLimiter({ limit: 1, windowMs: 1000 }, new ManualClock(0), 10);
    for (let i = 0; i < 100; i++) await l.hit(`k${i}`);
    expect((l as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
  });
});

describe('KeyValueRateLimiter', () => {
  it('counts in the store with a fixed-window TTL', async () => {
    const counts = new Map<string, number>();
    const ttls: Array<[string, number | undefined]> = [];
    const kv = {
      async incr(k: string, ttlMs?: number) {
        ttls.push([k, ttlMs]);
        counts.set(k, (counts.get(k) ?? 0) + 1);
        return counts.get(k)!;
      },
      async ttl() {
        return 4000;
      },
    };
    const l = new KeyValueRateLimiter(kv, { limit: 1, windowMs: 5000 }, 'sms:q');
    expect((await l.hit('13800000001')).allowed).toBe(true);
    expect(await l.hit('13800000001')).toEqual({ allowed: false, count: 2, retryAfterMs: 4000, limit: 1 });
    expect(ttls[0]).toEqual(['sms:q:13800000001', 5000]);
  });
});
