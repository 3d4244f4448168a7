import { describe, expect, it } from 'vitest';
import { KeyValueRateLimiter } from './rate-limiter.ts';

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
