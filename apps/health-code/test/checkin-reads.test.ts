// Scan and punch under a burst: check-ins that arrive together share their reads
// (the venue behind a poster, the epidemic-area list, the holders' rows), so the
// database sees one statement of each kind per burst, not one per check-in; and
// each check-in still gets its holder's colour as it is now. On the key-value store a
// check-in waits on two round trips: its session, then its throttle and claim marker; once the
// replica keeps the session in memory, on one.
import { ManualClock } from '@itinerary-card/domain';
import { type KeyValue, MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakePartner } from './fake-partner.ts';
import { makeApp, T0, type TestApp } from './helpers.ts';

let t: TestApp;
let raw: Sql;
const statements: string[] = [];
const HOLDERS = 12;
const phone = (i: number) => `139000000${String(i).padStart(2, '0')}`;

beforeAll(async () => {
  raw = await openPgliteSql();
  const counting: Sql = {
    query: async (text, params, options) => {
      statements.push(text);
      // As a server's round trip would, a read takes a while: check-ins of the burst overlap it.
      if (/^SELECT/.test(text)) await new Promise((r) => setTimeout(r, 20));
      return raw.query(text, params, options);
    },
    exec: (text) => raw.exec(text),
    transaction: (fn) => raw.transaction(fn),
    close: () => raw.close(),
  };
  t = await makeApp(fakePartner(T0), { sql: counting });
});
afterAll(async () => {
  await t?.close();
  await raw?.close();
});

it('a burst of check-ins reads the venue, the areas and the holders once, and answers each colour', async () => {
  const hc = t.app.healthCode;
  const venue = await hc.venues.register('13800000000', { kind: 'unit', name: '便利店', address: '南昌市' });
  await raw.query(
    `INSERT INTO hc_people (id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact,
       colour, created_at, updated_at)
     SELECT 'P' || i, '139000000' || lpad(i::text, 2, '0'), '王小明', 'X' || i, '南昌市', false, i = 3, false,
       'green', now(), now() FROM generate_series(0, $1 - 1) AS i`,
    [HOLDERS],
  );
  const headers: Array<{ authorization: string }> = [];
  for (let i = 0; i < HOLDERS; i++) {
    const { token } = await hc.auth.openSession({ phone: phone(i), personId: `P${i}`, maskedName: '**明' });
    headers.push({ authorization: `Bearer ${token}` });
  }
  // Past the venue and area caches' lifetimes: every check-in of the burst finds them stale.
  t.clock.advance(60_000);
  statements.length = 0;
  const answers = await Promise.all(
    headers.map((h) =>
      t.app.inject({ method: 'POST', url: '/api/hc/v1/checkins', headers: h, payload: { code: venue.checkinUrl } }),
    ),
  );
  for (const r of answers) expect(r.statusCode, r.body).toBe(201);
  // Holder 3 declared symptoms: their colour is not green, the others' is.
  expect(answers.map((r) => r.json().colour)).toEqual(
    Array.from({ length: HOLDERS }, (_, i) => (i === 3 ? expect.not.stringMatching(/^green$/) : 'green')),
  );
  expect(answers.map((r) => r.json().phone)).toEqual(
    Array.from({ length: HOLDERS }, (_, i) => `${phone(i).slice(0, 3)}****${phone(i).slice(7)}`),
  );
  const count = (re: RegExp) => statements.filter((s) => re.test(s)).length;
  expect(count(/FROM hc_venues WHERE id =/)).toBe(1);
  expect(count(/FROM hc_epidemic_areas/)).toBe(1);
  expect(count(/FROM hc_people WHERE phone/)).toBe(1);
  const stored = await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins WHERE venue_id = $1', [
    venue.id,
  ]);
  expect(stored[0]!.n).toBe(HOLDERS);
});

it('a check-in waits on the key-value store twice (the session, then its throttle and claim marker), then once', async () => {
  const clock = new ManualClock(T0);
  const memory = new MemoryKeyValue(() => clock.now());
  // Each call takes a while, as a round trip to Redis does: calls made while others are under way
  // share their round trip (ioredis pipelines them); a call made after the last one answered starts a new one.
  let underWay = 0;
  let roundTrips = 0;
  const kv = new Proxy(memory, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'subscribe' || prop === 'close') return v;
      return async (...args: unknown[]) => {
        if (underWay++ === 0) roundTrips++;
        await new Promise((r) => setTimeout(r, 5));
        try {
          return await v.apply(target, args);
        } finally {
          underWay--;
        }
      };
    },
  }) as KeyValue;
  const app = await makeApp(fakePartner(T0), { clock, kv });
  try {
    const hc = app.app.healthCode;
    const venue = await hc.venues.register('13800000000', { kind: 'unit', name: '便利店', address: '南昌市' });
    await app.sql.query(
      `INSERT INTO hc_people (id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact,
         colour, created_at, updated_at) VALUES ('P1', '13900000001', '王小明', 'X1', '南昌市', false, false, false,
         'green', now(), now())`,
    );
    const { token } = await hc.auth.openSession({ phone: '13900000001', personId: 'P1', maskedName: '**明' });
    roundTrips = 0;
    const r = await app.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: { authorization: `Bearer ${token}` },
      payload: { code: venue.checkinUrl },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().colour).toBe('green');
    expect(roundTrips).toBe(2);
    // The replica keeps the session it read (HC_SESSION_CACHE_SECONDS): the holder's next check-in
    // waits on the store once, for its throttle and claim marker.
    roundTrips = 0;
    const again = await app.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: { authorization: `Bearer ${token}` },
      payload: { code: venue.checkinUrl },
    });
    expect(again.statusCode, again.body).toBe(201);
    expect(roundTrips).toBe(1);
  } finally {
    await app.close();
  }
});
