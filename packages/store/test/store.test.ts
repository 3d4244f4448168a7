// The same contract checks on the embedded and the production implementations,
// against real PostgreSQL and Redis servers started here.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyValue, migrate, openKeyValue, openSql, type Sql } from '../src/index.ts';
import { startPostgres, startRedis, type TestServer } from '../src/testing/index.ts';

let pg: TestServer;
let redis: TestServer;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()]);
});

const migrations = [
  { name: '001_init', sql: 'CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL);' },
  { name: '002_more', sql: 'ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0; CREATE INDEX t_v ON t (v);' },
];

async function sqlContract(sql: Sql): Promise<void> {
  expect(await migrate(sql, 'test', migrations)).toEqual(['001_init', '002_more']);
  expect(await migrate(sql, 'test', migrations)).toEqual([]);
  await sql.query('INSERT INTO t (v, n) VALUES ($1, $2)', ['a', 1]);
  await expect(
    sql.transaction(async (tx) => {
      await tx.query('INSERT INTO t (v) VALUES ($1)', ['rolled back']);
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  await sql.transaction(async (tx) => {
    await tx.query('INSERT INTO t (v) VALUES ($1)', ['b']);
  });
  const rows = await sql.query<{ v: string; n: number }>('SELECT v, n FROM t ORDER BY id');
  expect(rows).toEqual([
    { v: 'a', n: 1 },
    { v: 'b', n: 0 },
  ]);
}

async function kvContract(kv: KeyValue): Promise<void> {
  await kv.set('k', 'v', 60_000);
  expect(await kv.get('k')).toBe('v');
  const ttl = await kv.ttl('k');
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60_000);
  expect(await kv.setNx('k', 'w', 1000)).toBe(false);
  expect(await kv.setNx('k2', 'w', 1000)).toBe(true);
  expect(await kv.take('k')).toBe('v');
  expect(await kv.take('k')).toBeNull();
  expect(await kv.incr('c', 60_000)).toBe(1);
  expect(await kv.incr('c', 60_000)).toBe(2);
  expect(await kv.ttl('c')).toBeGreaterThan(0);
  expect(await kv.ttl('missing')).toBe(-2);
  await kv.set('forever', '1');
  expect(await kv.ttl('forever')).toBe(-1);
  await kv.del('forever');
  expect(await kv.get('forever')).toBeNull();
}

/**
 * Statements run under a name (`prepare`): the same rows and errors as
 * unnamed ones, and where `prepared` the database keeps the plan
 * (pg_prepared_statements of the one connection).
 */
async function preparedContract(sql: Sql, prepared: boolean): Promise<void> {
  await sql.exec('CREATE TABLE p (a int, b text[], c jsonb)');
  let rows: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    rows = await sql.query(
      'INSERT INTO p SELECT $1::int, $2::text[], $3::jsonb RETURNING a, b, c',
      [i, ['x"y', 'z,w', null], JSON.stringify({ q: i })],
      { prepare: true },
    );
  }
  expect(rows).toEqual([{ a: 2, b: ['x"y', 'z,w', null], c: { q: 2 } }]);
  const select = (from: number) => sql.query('SELECT a FROM p WHERE a >= $1 ORDER BY a', [from], { prepare: true });
  expect(await select(1)).toEqual([{ a: 1 }, { a: 2 }]);
  const names = (await sql.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).map((r) => r.name);
  expect(names).toHaveLength(prepared ? 2 : 0);
  // Errors as unnamed statements give them, and the names still serve afterwards.
  await expect(sql.query('SELECT 1 / $1::int', [0], { prepare: true })).rejects.toMatchObject({ code: '22012' });
  await expect(sql.query('SELEC 1', [], { prepare: true })).rejects.toMatchObject({ code: '42601' });
  expect(await select(2)).toEqual([{ a: 2 }]);
  await expect(sql.query('SELECT 1 / $1::int', [0], { prepare: true })).rejects.toMatchObject({ code: '22012' });
}

describe('Sql', () => {
  it('PGlite in memory', async () => {
    const sql = await openSql();
    await sqlContract(sql);
    await sql.close();
  });
  it('PGlite in a worker thread', async () => {
    const sql = await openSql({ worker: true });
    await sqlContract(sql);
    // Statements outside a transaction wait for it instead of joining it.
    const order: string[] = [];
    const tx = sql.transaction(async (t) => {
      await t.query('INSERT INTO t (v) VALUES ($1)', ['in-tx']);
      order.push('tx');
      throw new Error('undo');
    });
    const outside = sql.query('INSERT INTO t (v) VALUES ($1)', ['outside']).then(() => order.push('outside'));
    await expect(tx).rejects.toThrow('undo');
    await outside;
    expect(order).toEqual(['tx', 'outside']);
    const vs = (await sql.query<{ v: string }>('SELECT v FROM t ORDER BY id')).map((r) => r.v);
    expect(vs).toContain('outside');
    expect(vs).not.toContain('in-tx');
    await expect(sql.query('SELECT * FROM missing_table')).rejects.toMatchObject({ code: '42P01' });
    await sql.close();
  });
  it('named statements are prepared once: PGlite in a worker and PostgreSQL; in-process PGlite ignores the name', async () => {
    const worker = await openSql({ worker: true });
    await preparedContract(worker, true);
    await worker.close();
    const server = await openSql({ url: pg.url, poolSize: 1 });
    await preparedContract(server, true);
    await server.exec('DROP TABLE p');
    await server.close();
    const inProcess = await openSql();
    await preparedContract(inProcess, false);
    await inProcess.close();
  });
  it('PostgreSQL server', async () => {
    const sql = await openSql({ url: pg.url });
    await sqlContract(sql);
    await sql.close();
  });
  it('PostgreSQL server: idle connections the server ends are replaced, the process lives on', async () => {
    const sql = await openSql({ url: pg.url, poolSize: 2 });
    const pids = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(pids).toHaveLength(1);
    const admin = await openSql({ url: pg.url, poolSize: 1 });
    // What a restart or an administrator does to the pool's idle connection (57P01 on the client).
    const ended = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pids[0]!.pid]);
    expect(ended).toEqual([{ ok: true }]);
    await admin.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(again[0]!.pid).not.toBe(pids[0]!.pid);
    await sql.close();
  });
  it('PostgreSQL server: a hot statement is prepared once per connection and answers as a plain one', async () => {
    const sql = await openSql({ url: pg.url, poolSize: 1 });
    const text = 'SELECT x * 2 AS y FROM unnest($1::int[]) AS x ORDER BY x';
    const prepared = () =>
      sql.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements WHERE statement = $1', [text]);
    expect(await sql.query(text, [[1, 2]])).toEqual([{ y: 2 }, { y: 4 }]);
    expect(await prepared()).toEqual([]);
    expect(await sql.query(text, [[3]], { prepare: true })).toEqual([{ y: 6 }]);
    expect(await sql.query(text, [[4, 5]], { prepare: true })).toEqual([{ y: 8 }, { y: 10 }]);
    // One connection (pool of one): prepared on it once, under one name.
    expect(await prepared()).toEqual([{ statement: text }]);
    await sql.close();
  });
  it('PostgreSQL server: replicas starting together apply each migration once', async () => {
    const db = `race_${Date.now()}`;
    const admin = await openSql({ url: pg.url });
    await admin.exec(`CREATE DATABASE ${db}`);
    const url = pg.url.replace(/\/[^/]*$/, `/${db}`);
    const replicas = await Promise.all([1, 2, 3, 4].map(() => openSql({ url })));
    const applied = await Promise.all(replicas.map((r) => migrate(r, 'race', migrations)));
    expect(applied.flat().sort()).toEqual(['001_init', '002_more']);
    const rows = await replicas[0]!.query<{ name: string }>("SELECT name FROM schema_migrations WHERE app = 'race'");
    expect(rows).toHaveLength(2);
    for (const r of replicas) await r.close();
    await admin.close();
  });
});

/** Two handles on the same store: what one publishes, the other hears; unsubscribed, no more. */
async function pubSubContract(a: KeyValue, b: KeyValue): Promise<void> {
  const heard: string[] = [];
  const stop = await b.subscribe('events', (m) => heard.push(m));
  await a.publish('events', 'one');
  await a.publish('other', 'not this');
  await a.publish('events', 'two');
  await expect.poll(() => heard).toEqual(['one', 'two']);
  await stop();
  await a.publish('events', 'three');
  await new Promise((r) => setTimeout(r, 50));
  expect(heard).toEqual(['one', 'two']);
}

describe('KeyValue', () => {
  it('memory', async () => {
    const kv = await openKeyValue();
    await kvContract(kv);
    await pubSubContract(kv, kv);
    await kv.close();
  });
  it('Redis server', async () => {
    const kv = await openKeyValue({ url: redis.url, prefix: 'test:' });
    const other = await openKeyValue({ url: redis.url, prefix: 'test:' });
    await kvContract(kv);
    await pubSubContract(kv, other);
    await kv.close();
    await other.close();
  });
  it('Redis server: consume sends its script by SHA-1, and again in full when Redis lost it', async () => {
    const kv = await openKeyValue({ url: redis.url, prefix: 'test-sha:' });
    const admin = new Redis(redis.url);
    const calls = async (cmd: string) =>
      Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await admin.info('commandstats'))?.[1] ?? 0);
    try {
      const counter = [{ key: 'c', max: 3, ttlMs: 60_000 }];
      expect(await kv.consume(counter)).toEqual({ ok: true, counts: [1] });
      const [evals, shas] = [await calls('eval'), await calls('evalsha')];
      expect(await kv.consume(counter)).toEqual({ ok: true, counts: [2] });
      expect(await calls('eval')).toBe(evals);
      expect(await calls('evalsha')).toBe(shas + 1);
      // Scripts flushed (as after a restart): the call still counts, once.
      await admin.script('FLUSH');
      expect(await kv.consume(counter)).toEqual({ ok: true, counts: [3] });
      const full = await kv.consume(counter);
      expect(full.ok).toBe(false);
    } finally {
      await admin.quit();
      await kv.close();
    }
  });
  it('Redis server: a dropped subscription is reported as a gap, then heard again', async () => {
    const kv = await openKeyValue({ url: redis.url, prefix: 'gap:' });
    const heard: string[] = [];
    let gaps = 0;
    const stop = await kv.subscribe(
      'events',
      (m) => heard.push(m),
      () => gaps++,
    );
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => gaps, { timeout: 10_000 }).toBeGreaterThan(0);
    // Resubscribed on its own: later messages arrive.
    await expect
      .poll(
        async () => {
          await kv.publish('events', 'after');
          return heard.includes('after');
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await admin.quit();
    await stop();
    await kv.close();
  });
});
