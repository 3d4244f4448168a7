// KeyValue.consumeEach against a real Redis: many groups in one script answer,
// count and expire exactly as the same groups passed to consume one by one, and
// as the in-memory store does.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumeResult, type Counter, type KeyValue, MemoryKeyValue, openRedisKeyValue } from '../src/index.ts';
import { startRedis, type TestServer } from '../src/testing/index.ts';

let redis: TestServer;
let kv: KeyValue;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  kv = await openRedisKeyValue(redis.url, 'each-test:');
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin?.quit();
  await kv?.close();
  await redis?.stop();
});

/** A small seeded generator (mulberry32), so a failing trial can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Groups of 1-3 counters over a few shared keys (repeats within a group too), some only checked. */
function groups(seed: number, prefix: string): Counter[][] {
  const r = random(seed);
  const pick = (n: number) => Math.floor(r() * n);
  return Array.from({ length: 5 + pick(60) }, () =>
    Array.from({ length: 1 + pick(3) }, () => ({
      key: `${prefix}k${pick(5)}`,
      max: pick(8),
      ttlMs: [0, 1_000, 30_000, 90_000][pick(4)],
      add: (r() < 0.2 ? 0 : 1) as 0 | 1,
    })),
  );
}

/** Results without the time left of a refusal's counter, which moves while the test runs. */
const shape = (rs: ConsumeResult[]) => rs.map((r) => (r.ok ? r : { ok: false, index: r.index, ttl: r.ttlMs > 0 }));

describe('KeyValue.consumeEach', () => {
  it('answers, counts and expires as consume called for each group in turn (Redis and memory)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const each = groups(seed, `e${seed}:`);
      const one = groups(seed, `o${seed}:`);
      // Some keys already counted or full before the batch, with their own windows.
      for (const p of [`e${seed}:`, `o${seed}:`]) {
        await admin.set(`each-test:${p}k1`, '3', 'PX', 40_000);
        await admin.set(`each-test:${p}k2`, '9');
      }
      const memory = new MemoryKeyValue();
      await memory.set(`m${seed}:k1`, '3', 40_000);
      await memory.set(`m${seed}:k2`, '9');

      const batched = await kv.consumeEach(each);
      const single: ConsumeResult[] = [];
      for (const g of one) single.push(await kv.consume(g));
      const inMemory = await memory.consumeEach(groups(seed, `m${seed}:`));

      expect(shape(batched), `seed ${seed}`).toEqual(shape(single));
      expect(shape(inMemory), `seed ${seed}`).toEqual(shape(single));
      for (let k = 0; k < 5; k++) {
        const [e, o] = await Promise.all([
          admin.get(`each-test:e${seed}:k${k}`),
          admin.get(`each-test:o${seed}:k${k}`),
        ]);
        expect(e, `seed ${seed} k${k}`).toBe(o);
        expect(await memory.get(`m${seed}:k${k}`), `seed ${seed} k${k}`).toBe(o);
        const [te, to] = await Promise.all([
          admin.pttl(`each-test:e${seed}:k${k}`),
          admin.pttl(`each-test:o${seed}:k${k}`),
        ]);
        // The same window: none, or within the test's own run time of each other.
        if (to < 0) expect(te, `seed ${seed} k${k}`).toBe(to);
        else expect(Math.abs(te - to), `seed ${seed} k${k}: ${te} vs ${to}`).toBeLessThan(5_000);
      }
    }
  });

  it('refuses a group over its limit with the counter time left, counting nothing of that group', async () => {
    const limit = (key: string, max: number): Counter => ({ key, max, ttlMs: 60_000 });
    const r = await kv.consumeEach([
      [limit('r:a', 2), limit('r:ip', 3)],
      [limit('r:a', 2), limit('r:ip', 3)],
      [limit('r:a', 2), limit('r:ip', 3)],
      [limit('r:b', 2), limit('r:ip', 3)],
      [limit('r:b', 2), limit('r:ip', 3)],
    ]);
    expect(r.map((x) => x.ok)).toEqual([true, true, false, true, false]);
    expect(r[0]).toEqual({ ok: true, counts: [1, 1] });
    expect(r[3]).toEqual({ ok: true, counts: [1, 3] });
    expect(r[2]).toMatchObject({ ok: false, index: 0 });
    expect(r[4]).toMatchObject({ ok: false, index: 1 });
    for (const x of [r[2]!, r[4]!]) if (!x.ok) expect(x.ttlMs).toBeGreaterThan(50_000);
    expect(await admin.get('each-test:r:a')).toBe('2');
    expect(await admin.get('each-test:r:b')).toBe('1');
    expect(await admin.get('each-test:r:ip')).toBe('3');
    expect(await kv.consumeEach([])).toEqual([]);
  });
});
