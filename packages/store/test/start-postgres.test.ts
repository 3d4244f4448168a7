// The test helper's PostgreSQL: fast settings for tests, production's durability on request.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../src/testing/index.ts';

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
