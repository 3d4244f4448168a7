// Issue 22 item 11: audit entries of reads answered while PostgreSQL is down
// are kept in the spool, survive a clean stop with the database still down,
// and are written once (no duplicate) when the next start finds it back.
// Issue 25: a read is answered only once its entry is durable (committed, or
// fsynced to the spool), so a process killed after answering loses none.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, migrationsFromDir, openPostgresSql } from '@itinerary-card/store';
import { startPostgres, type TestServer } from '@itinerary-card/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/repositories/audit-log.ts';

const MIGRATIONS = fileURLToPath(new URL('../src/migrations', import.meta.url));
let pg: TestServer;
let dir: string;
beforeAll(async () => {
  pg = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'ic-audit-spool-'));
});
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const read = (i: number) => ({
  actorType: 'owner' as const,
  actor: '138****0001',
  action: 'itinerary.read7',
  msisdn: `1380000${String(i).padStart(4, '0')}`,
  outcome: 'ok',
});

describe('the audit spool', () => {
  it('keeps what the database could not take across a clean stop, and writes it once at the next start', async () => {
    const sql = await openPostgresSql(pg.url, 2);
    await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
    const warnings: unknown[] = [];
    const log = { error: (o: unknown) => warnings.push(o), warn: (o: unknown) => warnings.push(o) };
    let now = Date.parse('2026-12-01T01:00:00Z');
    const first = new AuditLog(sql, { now: () => now++ }, log);
    await first.openSpool({ dir, maxBytes: 1 << 20 });
    for (let i = 0; i < 100; i++) first.record(read(i));
    await first.flush(); // written
    await pg.down();
    for (let i = 100; i < 350; i++) first.record(read(i));
    await first.flush(); // spooled
    expect(first.spoolStats()?.count).toBe(250);
    expect(first.accepting()).toBe(true);
    await first.close(); // a clean stop with the database still down: the spool stays on disk
    await sql.close();
    expect(readdirSync(dir).length).toBeGreaterThan(0);

    await pg.up();
    const sql2 = await openPostgresSql(pg.url, 2);
    const second = new AuditLog(sql2, { now: () => now++ }, log);
    const spool = await second.openSpool({ dir, maxBytes: 1 << 20 });
    expect(spool.count).toBe(250);
    expect(await spool.deliver()).toBe(true);
    // Delivered twice (as after a crash between writing and deleting): still once.
    const rows = await sql2.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT msisdn)::int AS distinct FROM audit_log',
    );
    expect(rows[0]).toEqual({ n: 350, distinct: 350 });
    await second.close();
    await sql2.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses reads rather than lose their audit once the spool is full', async () => {
    const sql = await openPostgresSql(pg.url, 2);
    const log = { error: () => {}, warn: () => {} };
    const audit = new AuditLog(sql, { now: () => Date.now() }, log);
    const small = mkdtempSync(join(tmpdir(), 'ic-audit-spool-small-'));
    await audit.openSpool({ dir: small, maxBytes: 2000 });
    await pg.down();
    try {
      for (let i = 0; i < 100; i++) audit.record(read(i));
      await audit.flush();
      // Too big for the spool: held in memory, and reads are refused until it is written.
      expect(audit.accepting()).toBe(false);
    } finally {
      await pg.up();
    }
    await audit.flush();
    expect(audit.accepting()).toBe(true);
    const rows = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE actor = '138****0001'");
    expect(rows[0]!.n).toBe(450);
    await audit.close();
    await sql.close();
    rmSync(small, { recursive: true, force: true });
  });

  it('says an entry is durable only once it is committed, or in the spool while the database is down', async () => {
    const sql = await openPostgresSql(pg.url, 2);
    await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
    const own = mkdtempSync(join(tmpdir(), 'ic-audit-durable-'));
    const audit = new AuditLog(sql, { now: () => Date.now() }, { error: () => {}, warn: () => {} });
    await audit.openSpool({ dir: own, maxBytes: 1 << 20 });
    const stored = async (msisdn: string) =>
      (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE msisdn = $1', [msisdn]))[0]!.n;
    try {
      // No flush asked for, no timer waited on: the group commit is what durable() waits for.
      audit.record(read(900));
      await audit.durable();
      expect(await stored(read(900).msisdn)).toBe(1);
      await pg.down();
      audit.record(read(901));
      await audit.durable();
      expect(audit.spoolStats()?.count).toBe(1);
      expect(readdirSync(own).length).toBe(1);
    } finally {
      await pg.up();
    }
    await audit.close();
    expect(await stored(read(901).msisdn)).toBe(1);
    await sql.close();
    rmSync(own, { recursive: true, force: true });
  });

  it('delivers a spool written before the plain table (segments of tab-separated lines), once', async () => {
    const sql = await openPostgresSql(pg.url, 2);
    await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
    const old = mkdtempSync(join(tmpdir(), 'ic-audit-legacy-'));
    const at = Date.parse('2026-11-20T03:00:00Z');
    const body = [
      `${at}\towner\t138****0777\titinerary.read.7\t13800000777\tok\t{"channel":"web"}`,
      `${at + 1}\tadmin\tadmin\trisk.add\t\tok\t{}`,
    ].join('\n');
    const segment = { key: randomUUID(), firstAt: at, lastAt: at + 1, n: 2, body: `${body}\n`, filter: '' };
    // Left by a writer that is gone (no such process): taken over at the start.
    writeFileSync(join(old, `audit-999999999-0-${randomUUID()}.jsonl`), `${JSON.stringify(segment)}\n`);
    const audit = new AuditLog(sql, { now: () => Date.now() }, { error: () => {}, warn: () => {} });
    const spool = await audit.openSpool({ dir: old, maxBytes: 1 << 20 });
    expect(spool.count).toBe(2);
    expect(await spool.deliver()).toBe(true);
    const [mine] = await audit.list({ msisdn: '13800000777' });
    expect(mine).toMatchObject({ actorType: 'owner', at: '2026-11-20T11:00:00.000+08:00', detail: { channel: 'web' } });
    expect((await audit.list({ actor: 'admin' }))[0]).toMatchObject({ action: 'risk.add', outcome: 'ok' });
    expect(readdirSync(old)).toEqual([]);
    await audit.close();
    await sql.close();
    rmSync(old, { recursive: true, force: true });
  });
});
