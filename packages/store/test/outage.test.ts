// Issue 22 item 12 at the seam: with the server down (or a query over its time
// limit) PostgreSQL and Redis calls fail with STORAGE_UNAVAILABLE, an error of
// the statement stays what it is, and both work again once the server is back,
// on the same pool and connection, with nothing reopened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisKeyValue } from '../src/key-value.ts';
import { openPostgresSql } from '../src/sql.ts';
import type { TestServer } from '../src/testing/start-postgres.ts';
import { startPostgres } from '../src/testing/start-postgres.ts';
import { startRedis } from '../src/testing/start-redis.ts';

let pg: TestServer;
let redis: TestServer;
beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('storage outages', () => {
  it('PostgreSQL: a slow query or a stopped server is STORAGE_UNAVAILABLE, a bad statement is not; it recovers', async () => {
    const sql = await openPostgresSql(pg.url, 2, 200);
    try {
      await expect(sql.query('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(await sql.query('SELECT pg_sleep(0.3), 1 AS n', [], { timeoutMs: 0 })).toEqual([{ pg_sleep: '', n: 1 }]);
      await expect(sql.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      await pg.down();
      await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await expect(sql.transaction((tx) => tx.query('SELECT 1'))).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
      });
      await pg.up();
      expect(await sql.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await sql.close();
    }
  });

  it('Redis: a stopped server is STORAGE_UNAVAILABLE at once (no queue); commands work again once it is back', async () => {
    const kv = await openRedisKeyValue(redis.url, 'outage:', 300);
    try {
      await kv.set('a', '1');
      await redis.down();
      await expect(kv.get('a')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await expect(kv.incr('n', 1000)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await redis.up();
      await expect
        .poll(
          () =>
            kv.set('b', '2').then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(await kv.get('b')).toBe('2');
    } finally {
      await kv.close();
    }
  });
});
