// The test helpers' servers: PostgreSQL with fast settings for tests and production's
// durability on request; both servers in a directory of the caller's, kept after a stop
// and over a restart, as the loopback topology runs them.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freePortRun, startPostgres, startRedis } from '../src/testing/index.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'itc-test-servers-'));
  // As root PostgreSQL runs as another user, who must reach its directory.
  chmodSync(work, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function settings(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'data_directory')",
    );
    return Object.fromEntries(r.rows.map((x) => [x.name, x.setting]));
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('durable: fsync, synchronous_commit and full_page_writes on, the data on disk', async () => {
    const server = await startPostgres({ durable: true });
    try {
      const s = await settings(server.url);
      expect(s).toMatchObject({ fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' });
      expect(s.data_directory).not.toMatch(/^\/dev\/shm\//);
    } finally {
      await server.stop();
    }
  });

  it('by default: the fast settings tests use', async () => {
    const server = await startPostgres();
    try {
      expect(await settings(server.url)).toMatchObject({
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
      });
    } finally {
      await server.stop();
    }
  });
});

describe('startPostgres in a directory of the caller', () => {
  it('creates the databases asked for, takes the sessions asked for, keeps its data over a restart and after stop', async () => {
    const dir = join(work, 'postgresql');
    const server = await startPostgres({ dir, maxConnections: 120, databases: ['platform', 'healthcode'] });
    try {
      expect(await query(server.url, 'SHOW max_connections')).toEqual([{ max_connections: '120' }]);
      const platform = new URL('platform', server.url).href;
      await query(platform, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
      await query(new URL('healthcode', server.url).href, 'SELECT 1');
      const pid = server.pid();
      await server.down();
      await server.up();
      expect(await query(platform, 'SELECT n FROM kept')).toEqual([{ n: 7 }]);
      expect(server.pid()).toBeGreaterThan(0);
      expect(server.pid()).not.toBe(pid);
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dir, 'data', 'PG_VERSION'))).toBe(true);
  });
});

describe('startRedis in a directory of the caller', () => {
  /** Sets a key, restarts the server, reads the key back. */
  async function afterRestart(appendOnly: boolean): Promise<string | null> {
    const server = await startRedis({ dir: join(work, `redis-${appendOnly}`), appendOnly });
    try {
      const before = new Redis(server.url);
      await before.set('k', 'v');
      before.disconnect();
      await server.down();
      await server.up();
      const after = new Redis(server.url);
      try {
        return await after.get('k');
      } finally {
        after.disconnect();
      }
    } finally {
      await server.stop();
    }
  }

  it('appendOnly: a restart keeps every key, the files stay after stop; without it a restart is empty', async () => {
    expect(await afterRestart(true)).toBe('v');
    expect(existsSync(join(work, 'redis-true', 'appendonlydir'))).toBe(true);
    expect(await afterRestart(false)).toBeNull();
  });
});

describe('freePortRun', () => {
  it('gives a port whose next ports are free too: a server takes each of them', async () => {
    const first = await freePortRun(5);
    const servers: Server[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const srv = createServer();
        servers.push(srv);
        await new Promise<void>((ok, fail) => {
          srv.once('error', fail);
          srv.listen(first + i, '127.0.0.1', ok);
        });
      }
    } finally {
      for (const srv of servers) srv.close();
    }
    expect(servers.length).toBe(5);
  });

  it('in a Vitest worker, gives ports of that worker’s block only, in turn, skipping a bound one', async () => {
    const pool = Number(process.env.VITEST_POOL_ID);
    expect(pool).toBeGreaterThanOrEqual(1);
    const first = 20_000 + ((pool - 1) % 8) * 1500;
    const a = await freePort();
    const b = await freePort();
    for (const p of [a, b]) {
      expect(p).toBeGreaterThanOrEqual(first);
      expect(p).toBeLessThan(first + 1500);
    }
    expect(b).not.toBe(a);
    // The next in turn is bound by someone else: it is skipped.
    const next = b + 1 < first + 1500 ? b + 1 : first;
    const taken = createServer();
    await new Promise<void>((ok, fail) => {
      taken.once('error', fail);
      taken.listen(next, '127.0.0.1', ok);
    });
    try {
      const c = await freePort();
      expect(c).not.toBe(next);
      expect(c).toBeGreaterThanOrEqual(first);
      expect(c).toBeLessThan(first + 1500);
    } finally {
      taken.close();
    }
  });
});
