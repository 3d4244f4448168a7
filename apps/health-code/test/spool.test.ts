// Issue 22 item 11, the health-code side: check-ins and audit entries made
// while PostgreSQL is down are acknowledged from the spool (fsynced), survive a
// clean stop with the database still down, and are stored once at the next
// start; past the spool's bound a check-in is refused, not lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, migrationsFromDir, openPostgresSql, Spool } from '@itinerary-card/store';
import { startPostgres, type TestServer } from '@itinerary-card/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, insertAuditEntries, type KeyedAuditEntry } from '../src/repositories/audit-log.ts';
import { type CheckinRow, CheckinWriter, insertCheckins } from '../src/repositories/checkin-writer.ts';

let pg: TestServer;
const dirs: string[] = [];
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ic-hc-spool-'));
  dirs.push(d);
  return d;
}

describe('health-code spools', () => {
  it('acknowledge check-ins and audit entries while PostgreSQL is down and store them once afterwards', async () => {
    const dir = tempDir();
    const sql = await openPostgresSql(pg.url, 2);
    await migrate(sql, 'health-code', await migrationsFromDir(join(import.meta.dirname, '../src/migrations')));
    const open = async (s: typeof sql) => {
      const checkins = await Spool.open<CheckinRow>({
        dir,
        name: 'checkins',
        maxBytes: 1 << 20,
        retryMs: 60_000,
        deliver: (rows) => insertCheckins(s, rows),
      });
      const audit = await Spool.open<KeyedAuditEntry>({
        dir,
        name: 'audit',
        maxBytes: 1 << 20,
        retryMs: 60_000,
        deliver: (rows) => insertAuditEntries(s, rows),
      });
      return { checkins, audit };
    };
    const first = await open(sql);
    const writer = new CheckinWriter(sql, { spool: first.checkins });
    const audit = new AuditLog(sql);
    audit.useSpool(first.audit);
    const at = Date.parse('2026-12-01T10:00:00+08:00');
    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.write('V1', `P${i}`, at + i)));
    await pg.down();
    await Promise.all(Array.from({ length: 60 }, (_, i) => writer.write('V1', `P${40 + i}`, at + 40 + i)));
    await audit.record({ at, actor: 'office', action: 'keys.rotate', subject: 'k1' });
    expect(first.checkins.count).toBe(60);
    expect(first.audit.count).toBe(1);
    await writer.drain();
    await first.checkins.close();
    await first.audit.close();
    await sql.close();

    await pg.up();
    const sql2 = await openPostgresSql(pg.url, 2);
    const second = await open(sql2);
    expect(await second.checkins.deliver()).toBe(true);
    expect(await second.audit.deliver()).toBe(true);
    const rows = await sql2.query<{ n: number; keys: number; people: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT spool_key)::int AS keys, count(DISTINCT person_id)::int AS people FROM hc_checkins',
    );
    expect(rows[0]).toEqual({ n: 100, keys: 100, people: 100 });
    expect(await new AuditLog(sql2).recent(10, 'keys.rotate')).toHaveLength(1);
    await second.checkins.close();
    await second.audit.close();
    await sql2.close();
  });

  it('refuse a check-in with STORAGE_UNAVAILABLE once the spool is full', async () => {
    const sql = await openPostgresSql(pg.url, 2);
    const spool = await Spool.open<CheckinRow>({
      dir: tempDir(),
      name: 'checkins',
      maxBytes: 300,
      retryMs: 60_000,
      deliver: (rows) => insertCheckins(sql, rows),
    });
    const writer = new CheckinWriter(sql, { spool });
    await pg.down();
    try {
      await writer.write('V1', 'PA', Date.now());
      await expect(writer.write('V1', 'PB'.repeat(200), Date.now())).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
      });
    } finally {
      await pg.up();
    }
    expect(await spool.deliver()).toBe(true);
    await spool.close();
    await sql.close();
  });
});
