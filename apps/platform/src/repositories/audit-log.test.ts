import { fileURLToPath } from 'node:url';
import { migrate, migrationsFromDir, openPgliteSql, type Sql } from '@itinerary-card/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog, beijingMs } from './audit-log.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));
const number = (i: number) => `138${String(i).padStart(8, '0')}`;
const read = (i: number, outcome = 'ok'): AuditEntry => ({
  actorType: 'owner',
  actor: `138****${String(i).padStart(8, '0').slice(-4)}`,
  action: 'itinerary.read.7',
  msisdn: number(i),
  outcome,
  detail: { channel: 'web', date: '2026-11-23' },
});

describe('audit log', () => {
  let sql: Sql;
  let now: number;
  let log: AuditLog;
  const errors: unknown[] = [];
  beforeEach(async () => {
    sql = await openPgliteSql();
    await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
    now = Date.parse('2026-11-23T01:00:00Z');
    errors.length = 0;
    log = new AuditLog(sql, { now: () => now++ }, { error: (o) => errors.push(o) });
  });
  afterEach(async () => {
    await sql.close();
  });

  it('keeps every read, one row each in its day partition, and lists those of a number newest first', async () => {
    for (let i = 0; i < 3000; i++) log.record(read(i % 700, i % 11 === 0 ? 'NO_DATA' : 'ok'));
    await log.flush();
    const parts = await sql.query<{ part: string; n: number }>(
      'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_log GROUP BY 1',
    );
    // 2026-11-23T01:00Z is 09:00 on the 23rd in Beijing.
    expect(parts).toEqual([{ part: 'audit_log_20261123', n: 3000 }]);
    const mine = await log.list({ msisdn: number(5), limit: 1000 });
    const expected = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 700 === 5);
    expect(mine).toHaveLength(expected.length);
    expect(mine.map((e) => e.at)).toEqual(
      expected.reverse().map((i) => beijingMs(Date.parse('2026-11-23T01:00:00Z') + i)),
    );
    expect(mine[0]).toMatchObject({
      actorType: 'owner',
      actor: '138****0005',
      action: 'itinerary.read.7',
      msisdn: number(5),
      detail: { channel: 'web', date: '2026-11-23' },
    });
    const ids = mine.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const view = await sql.query<{ id: string; outcome: string }>(
      `SELECT id, outcome FROM audit_log WHERE msisdn = $1 ORDER BY id DESC`,
      [number(5)],
    );
    expect(view.map((r) => Number(r.id))).toEqual(ids);
    expect(await log.list({ msisdn: number(699_999) })).toEqual([]);
  });

  it('records a frozen entry again and again, each time with its own time, as an unfrozen one', async () => {
    const entry = Object.freeze({ ...read(3), detail: Object.freeze({ channel: 'web', date: '2026-11-23' }) });
    const start = now;
    for (let i = 0; i < 5; i++) log.record(i % 2 ? read(3) : entry);
    const rows = await log.list({ msisdn: number(3) });
    expect(rows.map((e) => e.at)).toEqual([4, 3, 2, 1, 0].map((i) => beijingMs(start + i)));
    for (const r of rows) {
      const { id: _id, at: _at, ...rest } = r;
      expect(rest).toEqual(read(3));
    }
    expect(await log.list({ actor: '138****0003' })).toHaveLength(5);
  });

  it('writes each Beijing day to its own partition, made when first written', async () => {
    // 15:59:59.999Z and 16:00Z: the last moment of the 23rd and the first of the 24th in Beijing.
    now = Date.parse('2026-11-23T15:59:59.999Z');
    log.record(read(1));
    log.record(read(2));
    await log.durable();
    const parts = await sql.query<{ part: string; n: number }>(
      'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_log GROUP BY 1 ORDER BY 1',
    );
    expect(parts).toEqual([
      { part: 'audit_log_20261123', n: 1 },
      { part: 'audit_log_20261124', n: 1 },
    ]);
    expect((await log.list({ msisdn: number(2) }))[0]!.at).toBe('2026-11-24T00:00:00.000+08:00');
  });

  it('makes the next day partition when batches move on through the days', async () => {
    // One batch a time, each later: the days seen made are skipped, a new day is made.
    for (const t of ['2026-11-23T04:00:00Z', '2026-11-23T05:00:00Z', '2026-11-24T15:59:00Z', '2026-11-25T16:30:00Z']) {
      now = Date.parse(t);
      log.record(read(1));
      await log.durable();
    }
    const parts = await sql.query<{ part: string; n: number }>(
      'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_log GROUP BY 1 ORDER BY 1',
    );
    expect(parts).toEqual([
      { part: 'audit_log_20261123', n: 2 },
      { part: 'audit_log_20261124', n: 1 },
      { part: 'audit_log_20261126', n: 1 },
    ]);
  });

  it('lists by actor through many small segments, with a limit', async () => {
    for (let i = 0; i < 150; i++) {
      await log.write({ actorType: 'admin', actor: 'admin', action: `risk.add.${i}`, outcome: 'ok', detail: { i } });
      log.record(read(i));
    }
    const admin = await log.list({ actor: 'admin', limit: 120 });
    expect(admin).toHaveLength(120);
    expect(admin[0]!.action).toBe('risk.add.149');
    expect(admin.at(-1)!.action).toBe('risk.add.30');
    expect(admin.every((e) => e.msisdn === undefined && e.actorType === 'admin')).toBe(true);
    expect(await log.list({ limit: 5 })).toHaveLength(5);
    const both = await log.list({ actor: '138****0007', msisdn: number(7) });
    expect(both).toHaveLength(1);
  });

  it('keeps a field with tabs or line breaks as it is', async () => {
    log.record({
      actorType: 'partner',
      actor: 'evil\tclient\nx',
      action: 'itinerary.read.14',
      outcome: 'ok',
      detail: { note: 'a\tb\nc' },
    });
    const [e] = await log.list({ actor: 'evil\tclient\nx' });
    expect(e).toMatchObject({ actor: 'evil\tclient\nx', detail: { note: 'a\tb\nc' } });
  });

  it('keeps non-ASCII fields whole in a batch of more than one INSERT', async () => {
    const big = new AuditLog(sql, { now: () => now++ }, { error: (o) => errors.push(o) });
    for (let i = 0; i < 6100; i++) {
      big.record({
        actorType: 'partner',
        actor: i % 2 ? '南昌市卫健委' : 'partner-1',
        action: 'itinerary.read.14',
        msisdn: number(i % 300),
        outcome: 'ok',
        detail: { city: '南昌市', i },
      });
    }
    await big.flush();
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n).toBe(6100);
    const theirs = await big.list({ actor: '南昌市卫健委', limit: 1000 });
    expect(theirs).toHaveLength(1000);
    expect(theirs[0]).toMatchObject({
      actor: '南昌市卫健委',
      msisdn: number(6099 % 300),
      detail: { city: '南昌市', i: 6099 },
    });
    const one = await big.list({ msisdn: number(7), limit: 1000 });
    expect(one.map((e) => e.detail?.i)).toEqual(
      Array.from({ length: 6100 }, (_, i) => i)
        .filter((i) => i % 300 === 7)
        .reverse(),
    );
  });

  it('logs a failed write with the count lost, refuses its read and does not throw', async () => {
    log.record(read(1));
    await sql.exec('ALTER TABLE audit_log RENAME TO gone');
    const durable = log.durable();
    await log.flush();
    expect(errors).toEqual([expect.objectContaining({ lost: 1 })]);
    await expect(durable).rejects.toMatchObject({ code: 'QUERY_FAILED' });
  });
});

describe('audit group commits', () => {
  /** The platform's SQL, counting the audit INSERTs that reach it. */
  async function counted(): Promise<{ sql: Sql; inserts: () => number }> {
    const sql = await openPgliteSql();
    await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
    let n = 0;
    const query: Sql['query'] = (text, params, options) => {
      if (text.startsWith('INSERT INTO audit_log')) n++;
      return sql.query(text, params, options);
    };
    return { sql: { ...sql, query, exec: (t) => sql.exec(t), close: () => sql.close() }, inserts: () => n };
  }
  const pause = () => new Promise((r) => setTimeout(r, 5));

  it('under load, start at most once per spacing, each with the reads recorded meanwhile', async () => {
    const { sql, inserts } = await counted();
    // A spacing longer than the test: the commit after the first waits for it (or for a flush).
    const log = new AuditLog(sql, { now: () => Date.now() }, { error: () => {} }, 1000, 3_600_000);
    log.record(read(0));
    await log.durable();
    // Nine more reads, each well after the last write ended: back to back, nine more commits;
    // spaced, none yet, then one for all nine.
    const durable: Array<Promise<void>> = [];
    for (let i = 1; i < 10; i++) {
      log.record(read(i));
      durable.push(log.durable());
      await pause();
    }
    expect(inserts()).toBe(1);
    await log.flush();
    await Promise.all(durable);
    expect(inserts()).toBe(2);
    expect(await log.list({ limit: 100 })).toHaveLength(10);
    await sql.close();
  });

  it('write a read recorded when the log is idle at once, without waiting for the spacing', async () => {
    const { sql, inserts } = await counted();
    // A spacing far longer than the test's time limit: a read that waited for it would time out.
    const log = new AuditLog(sql, { now: () => Date.now() }, { error: () => {} }, 1000, 3_600_000);
    log.record(read(1));
    await log.durable();
    expect(inserts()).toBe(1);
    await sql.close();
  });

  it('back to back without a spacing: each read waits only for the write under way', async () => {
    const { sql, inserts } = await counted();
    const log = new AuditLog(sql, { now: () => Date.now() }, { error: () => {} });
    for (let i = 0; i < 5; i++) {
      log.record(read(i));
      await log.durable();
    }
    expect(inserts()).toBe(5);
    await sql.close();
  });
});

describe('audit migrations 003 and 005', () => {
  it('moves rows of the first audit_log table through segments into the partitioned table', async () => {
    const sql = await openPgliteSql();
    const all = await migrationsFromDir(MIGRATIONS);
    await migrate(
      sql,
      'platform',
      all.filter((m) => m.name < '003'),
    );
    await sql.exec(`INSERT INTO audit_log (at, actor_type, actor, action, msisdn, outcome, detail) VALUES
      ('2026-11-20T00:00:00Z', 'owner', '138****0001', 'itinerary.read.7', '13800000001', 'ok', '{"channel":"web"}'),
      ('2026-11-20T00:00:01Z', 'admin', 'admin', 'risk.add', NULL, 'ok', '{}')`);
    await migrate(sql, 'platform', all);
    const log = new AuditLog(sql, { now: () => Date.parse('2026-11-23T00:00:00Z') }, { error: () => {} });
    log.record(read(1));
    const mine = await log.list({ msisdn: '13800000001' });
    expect(mine.map((e) => e.at)).toEqual(['2026-11-23T08:00:00.000+08:00', '2026-11-20T08:00:00.000+08:00']);
    expect(mine[1]!.detail).toEqual({ channel: 'web' });
    expect((await log.list({ actor: 'admin' }))[0]).toMatchObject({ action: 'risk.add', detail: {} });
    // The old rows sit in their day's partition; new ids come after theirs.
    const parts = await sql.query<{ part: string; n: number }>(
      'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_log GROUP BY 1 ORDER BY 1',
    );
    expect(parts).toEqual([
      { part: 'audit_log_20261120', n: 2 },
      { part: 'audit_log_20261123', n: 1 },
    ]);
    expect(mine[0]!.id).toBeGreaterThan(mine[1]!.id);
    await sql.close();
  });
});
