import { join } from 'node:path';
import { migrate, migrationsFromDir, openPgliteSql, type Sql } from '@itinerary-card/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedLookup } from './batched-lookup.ts';
import { PeopleRepo, type Person } from './people-repo.ts';

describe('BatchedLookup', () => {
  it('reads the keys asked for in one turn with one load, each waiter gets its row', async () => {
    const loads: string[][] = [];
    const lookup = new BatchedLookup<string, { k: string; n: number }>({
      load: async (keys) => {
        loads.push(keys);
        return keys.filter((k) => k !== 'missing').map((k) => ({ k, n: Number(k.slice(1)) }));
      },
      keyOf: (r) => r.k,
    });
    const got = await Promise.all(['a1', 'a2', 'a1', 'missing', 'a3'].map((k) => lookup.get(k)));
    expect(loads).toEqual([['a1', 'a2', 'missing', 'a3']]);
    expect(got).toEqual([{ k: 'a1', n: 1 }, { k: 'a2', n: 2 }, { k: 'a1', n: 1 }, undefined, { k: 'a3', n: 3 }]);
  });

  it('splits a large group, keeps at most `concurrency` loads in flight, and rejects a failed group only', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const lookup = new BatchedLookup<number, number>({
      load: async (keys) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sizes.push(keys.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (keys.includes(13)) throw new Error('storage down');
        return keys;
      },
      keyOf: (r) => r,
      maxBatch: 10,
      concurrency: 2,
    });
    const results = await Promise.allSettled(Array.from({ length: 45 }, (_, i) => lookup.get(i)));
    expect(sizes).toEqual([10, 10, 10, 10, 5]);
    expect(most).toBe(2);
    results.forEach((r, i) => {
      if (i >= 10 && i < 20) expect(r).toEqual({ status: 'rejected', reason: new Error('storage down') });
      else expect(r).toEqual({ status: 'fulfilled', value: i });
    });
  });

  it('a key asked for after a write is read by a statement sent after it', async () => {
    let value = 'old';
    const lookup = new BatchedLookup<string, { k: string; v: string }>({
      load: async (keys) => keys.map((k) => ({ k, v: value })),
      keyOf: (r) => r.k,
      concurrency: 1,
    });
    const first = lookup.get('x');
    value = 'new';
    const second = lookup.get('x');
    // Both were asked for before the statement was sent: one read, after the write.
    expect(await first).toEqual({ k: 'x', v: 'new' });
    expect(await second).toEqual({ k: 'x', v: 'new' });
    const third = lookup.get('x');
    value = 'newer';
    expect(await third).toEqual({ k: 'x', v: 'newer' });
  });
});

describe('PeopleRepo.byPhone', () => {
  let sql: Sql;
  let people: PeopleRepo;
  const statements: string[] = [];

  // PGlite and the migrations take seconds (more on a busy machine): opened once, before the test.
  beforeAll(async () => {
    sql = await openPgliteSql();
    await migrate(sql, 'health-code', await migrationsFromDir(join(import.meta.dirname, '../migrations')));
    const counting: Sql = {
      query: (text, params, options) => {
        statements.push(text);
        return sql.query(text, params, options);
      },
      exec: (text) => sql.exec(text),
      transaction: (fn) => sql.transaction(fn),
      close: () => sql.close(),
    };
    people = new PeopleRepo(counting);
  });
  afterAll(() => sql?.close());

  const person = (i: number): Person => ({
    id: `P${i}`,
    phone: `1380000000${i}`,
    name: `王小${i}`,
    idNumber: `3601021990010112${String(i).padStart(2, '0')}`,
    address: '南昌市',
    declaredSojourn: false,
    symptoms: false,
    closeContact: false,
    itinerary: null,
    itineraryConsentId: null,
    office: null,
    colour: 'green',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  });

  it('reads the holders of concurrent check-ins with one statement, each its own copy', async () => {
    for (const i of [1, 2, 3]) await people.insert(person(i));
    statements.length = 0;
    const phones = ['13800000001', '13800000002', '13800000009', '13800000003', '13800000001'];
    const got = await Promise.all(phones.map((p) => people.byPhone(p)));
    expect(statements).toHaveLength(1);
    expect(got.map((p) => p?.id)).toEqual(['P1', 'P2', undefined, 'P3', 'P1']);
    expect(got[0]).toEqual({ ...person(1), proxy: false });
    // Callers may change the Person they get (a colour re-evaluated): the copies are separate.
    expect(got[0]).not.toBe(got[4]);
  });
});
