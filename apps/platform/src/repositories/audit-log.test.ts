import { fileURLToPath } from 'node:url';
import { migrate, migrationsFromDir, openPgliteSql, type Sql } from '@itinerary-card/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog, beijingMs } from './audit-log.ts';
import { filterFromHashes, hashInto, keyHashes, mayContain, probeSql } from './segment-bloom.ts';

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

/** A filter over `keys`, built as a flush builds one. */
function buildFilter(keys: string[]): Uint8Array {
  const hashes = new Uint32Array(2 * keys.length);
  for (let i = 0; i < keys.length; i++) hashInto(hashes, 2 * i, keys[i]!);
  return filterFromHashes(hashes, 0, hashes.length);
}

describe('segment Bloom filter', () => {
  it('holds every key it was built from, and few others', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => number(i));
    const f = buildFilter(keys);
    expect(keys.every((k) => mayContain(f, k))).toBe(true);
    let fp = 0;
    for (let i = 0; i < 20_000; i++) if (mayContain(f, number(10_000_000 + i))) fp++;
    expect(fp / 20_000).toBeLessThan(0.01);
    expect(mayContain(new Uint8Array(0), 'anything')).toBe(true);
  });

  it('sets the bits (h1 + j * h2) mod m, computed exactly, for hashes up to 2^32', () => {
    const n = 3000;
    const hashes = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      hashes[2 * i] = (Math.random() * 2 ** 32) >>> 0;
      hashes[2 * i + 1] = ((Math.random() * 2 ** 32) | 1) >>> 0;
    }
    hashes[0] = 2 ** 32 - 1;
    hashes[1] = 2 ** 32 - 1;
    const f = filterFromHashes(hashes, 0, hashes.length);
    const m = BigInt(f.length * 8);
    const expected = new Uint8Array(f.length);
    for (let i = 0; i < n; i++) {
      for (let j = 0n; j < 7n; j++) {
        const bit = Number((BigInt(hashes[2 * i]!) + j * BigInt(hashes[2 * i + 1]!)) % m);
        expected[bit >> 3]! |= 1 << (bit & 7);
      }
    }
    expect(f).toEqual(expected);
  });

  it('gives the same answer in SQL (get_bit) as in JS', async () => {
    const sql = await openPgliteSql();
    const keys = Array.from({ length: 50 }, (_, i) => number(i * 3));
    const f = buildFilter(keys);
    await sql.exec('CREATE TABLE t (keys bytea)');
    await sql.query('INSERT INTO t VALUES ($1)', [f]);
    for (let i = 0; i < 300; i++) {
      const [h1, h2] = keyHashes(number(i));
      const rows = await sql.query(`SELECT 1 FROM t AS s WHERE ${probeSql('s', 1, 2)}`, [h1, h2]);
      expect(rows.length === 1).toBe(mayContain(f, number(i)));
    }
    await sql.close();
  });
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

  it('keeps every read, and lists those of a number newest first across segments', async () => {
    for (let i = 0; i < 3000; i++) log.record(read(i % 700, i % 11 === 0 ? 'NO_DATA' : 'ok'));
    await log.flush();
    const segments = await sql.query<{ n: number }>('SELECT n FROM audit_segment ORDER BY id');
    expect(segments.reduce((a, s) => a + s.n, 0)).toBe(3000);
    expect(segments.length).toBeGreaterThan(1);
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
    // The view shows one row per entry, with the same ids.
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
    const lines = await sql.query<{ body: string }>('SELECT body FROM audit_segment');
    const body = lines.map((l) => l.body).join('');
    expect(
      body
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(l.indexOf('\t'))),
    ).toEqual(Array(5).fill(body.slice(body.indexOf('\t'), body.indexOf('\n'))));
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

  it('keeps a field with tabs or line breaks on one line', async () => {
    log.record({
      actorType: 'partner',
      actor: 'evil\tclient\nx',
      action: 'itinerary.read.14',
      outcome: 'ok',
      detail: { note: 'a\tb\nc' },
    });
    const [e] = await log.list({ actor: 'evil client x' });
    expect(e).toMatchObject({ actor: 'evil client x', detail: { note: 'a\tb\nc' } });
  });

  it('keeps non-ASCII fields whole across segment boundaries', async () => {
    const big = new AuditLog(sql, { now: () => now++ }, { error: (o) => errors.push(o) });
    for (let i = 0; i < 4100; i++) {
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
    const segments = await sql.query<{ n: number }>('SELECT n FROM audit_segment ORDER BY id');
    expect(segments.reduce((a, s) => a + s.n, 0)).toBe(4100);
    expect(segments.length).toBeGreaterThan(2);
    const theirs = await big.list({ actor: '南昌市卫健委', limit: 1000 });
    expect(theirs).toHaveLength(1000);
    expect(theirs[0]).toMatchObject({
      actor: '南昌市卫健委',
      msisdn: number(4099 % 300),
      detail: { city: '南昌市', i: 4099 },
    });
    const one = await big.list({ msisdn: number(7), limit: 1000 });
    expect(one.map((e) => e.detail?.i)).toEqual(
      Array.from({ length: 4100 }, (_, i) => i)
        .filter((i) => i % 300 === 7)
        .reverse(),
    );
  });

  it('logs a failed write with the count lost and does not throw', async () => {
    log.record(read(1));
    await sql.exec('ALTER TABLE audit_segment RENAME TO gone');
    await log.flush();
    expect(errors).toEqual([expect.objectContaining({ lost: 1 })]);
  });
});

describe('audit migration 003', () => {
  it('moves rows of the old audit_log table into segments, readable through the view', async () => {
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
    await sql.close();
  });
});
