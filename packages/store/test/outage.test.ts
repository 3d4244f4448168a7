// Issue 22 item 12 at the seam: with the server down longer than the retry
// window (or a query over its time limit) PostgreSQL and Redis calls fail with
// STORAGE_UNAVAILABLE, an error of the statement stays what it is, and both
// work again once the server is back, on the same pool and connection, with
// nothing reopened. Issue 25: a restart within the window is ridden through,
// and a statement that may have run is not sent twice unless it says it may be;
// a Redis command whose reply was lost after it ran is sent again and counts once.
import { createServer, type Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisKeyValue } from '../src/key-value.ts';
import { openPostgresSql } from '../src/sql.ts';
import { startPostgres, startRedis, type TestServer } from '../src/testing/index.ts';

let postgres: TestServer;
let redis: TestServer;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longer than any restart here, even on a busy machine: the tests below do not measure time. */
const WIDE_WINDOW_MS = 60_000;

describe('storage outages', () => {
  it('PostgreSQL: a slow query or a server down past the window is STORAGE_UNAVAILABLE, a bad statement is not; it recovers', async () => {
    const sql = await openPostgresSql(postgres.url, 2, 200, 300);
    try {
      await expect(sql.query('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(await sql.query('SELECT pg_sleep(0.3), 1 AS n', [], { timeoutMs: 0 })).toEqual([{ pg_sleep: '', n: 1 }]);
      await expect(sql.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      await postgres.down();
      await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await expect(sql.transaction((tx) => tx.query('SELECT 1'))).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
      });
      await postgres.up();
      expect(await sql.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await sql.close();
    }
  });

  it('Redis: a server down past the retry window is STORAGE_UNAVAILABLE; commands work again once it is back', async () => {
    const kv = await openRedisKeyValue(redis.url, 'outage:', 300, 300);
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

  it('PostgreSQL: a restart is ridden through; a write that may have run is not sent again', async () => {
    const sql = await openPostgresSql(postgres.url, 4, 800, WIDE_WINDOW_MS);
    const admin = new pg.Client({ connectionString: postgres.url });
    try {
      await sql.exec('CREATE TABLE ride (k text PRIMARY KEY)');
      // Statements that sleep until the server restarts (its start time changes), then answer at once.
      const [{ started }] = await sql.query<{ started: string }>('SELECT pg_postmaster_start_time()::text AS started');
      const nap = 'pg_sleep(CASE WHEN pg_postmaster_start_time()::text = $1 THEN 60 ELSE 0 END)';
      const unbounded = { timeoutMs: 0 };
      const readInFlight = sql.query<{ n: number }>(`SELECT 1 AS n FROM ${nap}`, [started], unbounded);
      const writeInFlight = sql.query(`INSERT INTO ride SELECT 'once' FROM ${nap}`, [started], unbounded).then(
        () => 'written',
        (e: { code?: string }) => e.code,
      );
      await admin.connect();
      await expect
        .poll(
          async () =>
            (
              await admin.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%pg_postmaster_start_time()::text = $1%'",
              )
            ).rows[0]!.n,
          { timeout: 20_000 },
        )
        .toBe(2);
      await admin.end();
      await postgres.down();
      const sentWhileDown = sql.query<{ n: number }>('SELECT 2 AS n');
      const keyedWhileDown = sql.query("INSERT INTO ride VALUES ('keyed') ON CONFLICT DO NOTHING", [], {
        idempotent: true,
      });
      const plainWriteWhileDown = sql.query("INSERT INTO ride VALUES ('never sent')");
      const probe = sql.query('SELECT 1', [], { retry: false });
      await expect(probe).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await sleep(300);
      await postgres.up();
      expect(await readInFlight).toEqual([{ n: 1 }]);
      expect(await sentWhileDown).toEqual([{ n: 2 }]);
      await keyedWhileDown;
      await plainWriteWhileDown;
      // The write cut off mid-run might have committed: it is the caller's to handle (spool, keys), not sent twice.
      expect(await writeInFlight).toBe('STORAGE_UNAVAILABLE');
      const rows = await sql.query<{ k: string }>('SELECT k FROM ride ORDER BY k');
      expect(rows.map((r) => r.k)).toEqual(['keyed', 'never sent']);
    } finally {
      await admin.end().catch(() => {});
      await sql.close();
    }
  });

  it('PostgreSQL: a connection lost while a transaction holds it fails the transaction, not the process', async () => {
    const sql = await openPostgresSql(postgres.url, 2, 800, 300);
    try {
      // The server goes while the client is checked out between statements: pg emits 'error' on it.
      const tx = sql.transaction(async (t) => {
        await t.query('SELECT 1');
        await postgres.down();
        await sleep(100);
        return t.query('SELECT 2');
      });
      await expect(tx).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await postgres.up();
      expect(await sql.query('SELECT 3 AS n')).toEqual([{ n: 3 }]);
    } finally {
      await sql.close();
    }
  });

  it('Redis: a restart is ridden through: commands sent once it is back, counters counted once', async () => {
    const kv = await openRedisKeyValue(redis.url, 'ride:', 300, WIDE_WINDOW_MS);
    try {
      await kv.set('a', '1');
      await redis.down();
      await expect(kv.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      const read = kv.get('a');
      const counted = kv.consume([{ key: 'tries', max: 5, ttlMs: 60_000 }]);
      const written = kv.set('b', '2');
      await sleep(300);
      await redis.up();
      // The test server keeps nothing across a restart.
      expect(await read).toBeNull();
      expect(await counted).toEqual({ ok: true, counts: [1] });
      await written;
      expect(await kv.get('b')).toBe('2');
      expect(await kv.incr('tries')).toBe(2);
    } finally {
      await kv.close();
    }
  });

  it('Redis: a reply lost after the command ran is sent again and answers what the first run did', async () => {
    const proxy = await replyDroppingProxy(redis.url);
    const kv = await openRedisKeyValue(proxy.url, 'lost:', 300, WIDE_WINDOW_MS);
    const admin = new Redis(redis.url);
    try {
      await kv.set('code', 'c1');
      await kv.set('claim', 'me');
      const lost = async <T>(call: () => Promise<T>): Promise<T> => {
        proxy.dropNextReply();
        const out = await call();
        expect(proxy.dropped(), 'a reply was lost').toBe(true);
        return out;
      };
      // Each ran once in Redis, its reply never came back; the second send answers the first run's result.
      expect(await lost(() => kv.consume([{ key: 'tries', max: 5, ttlMs: 60_000 }]))).toEqual({
        ok: true,
        counts: [1],
      });
      expect(await admin.get('lost:tries')).toBe('1');
      // Many groups in one script: counted once too, the refusal among them answered again as one.
      const groups = [[{ key: 'each', max: 1, ttlMs: 60_000 }], [{ key: 'each', max: 1, ttlMs: 60_000 }]];
      expect(await lost(() => kv.consumeEach(groups))).toEqual([
        { ok: true, counts: [1] },
        { ok: false, index: 0, ttlMs: expect.any(Number) },
      ]);
      expect(await admin.get('lost:each')).toBe('1');
      expect(await lost(() => kv.incr('n', 60_000))).toBe(1);
      expect(await admin.get('lost:n')).toBe('1');
      expect(await lost(() => kv.take('code'))).toBe('c1');
      expect(await lost(() => kv.take('code'))).toBeNull();
      expect(await lost(() => kv.setNx('once', 'x', 60_000))).toBe(true);
      expect(await lost(() => kv.setNx('once', 'y', 60_000))).toBe(false);
      expect(await lost(() => kv.takeIf('claim', 'me'))).toBe(true);
      expect(await admin.exists('lost:claim')).toBe(0);
      // A refusal counts nothing and is answered again as a refusal.
      for (let i = 1; i < 5; i++) await kv.consume([{ key: 'tries', max: 5, ttlMs: 60_000 }]);
      expect(await lost(() => kv.consume([{ key: 'tries', max: 5, ttlMs: 60_000 }]))).toMatchObject({
        ok: false,
        index: 0,
      });
      expect(await admin.get('lost:tries')).toBe('5');
      // The kept answers go on their own.
      const kept = await admin.keys('lost:op:*');
      expect(kept.length).toBeGreaterThan(0);
      for (const k of kept) expect(await admin.pttl(k)).toBeGreaterThan(0);
    } finally {
      await admin.quit();
      await kv.close();
      await proxy.close();
    }
  });
});

/** A TCP proxy to Redis that, once asked, closes the client's connection instead of passing on the next reply. */
async function replyDroppingProxy(target: string) {
  const { hostname, port } = new URL(target);
  let drop = false;
  let didDrop = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(Number(port), hostname);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (drop) {
        drop = false;
        didDrop = true;
        client.destroy();
        upstream.destroy();
      } else client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    dropNextReply: () => {
      drop = true;
      didDrop = false;
    },
    dropped: () => didDrop,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
