import { beijingDayStart, HOUR_MS, ManualClock } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import { describe, expect, it } from 'vitest';
import { buildOperatorNode } from './build-operator-node.ts';
import { MemorySnapshot } from './memory-snapshot.ts';
import { SnapshotHolder } from './snapshot-holder.ts';

const secret = 'node-test-secret-0123456789';
const day = (d: string) => beijingDayStart(d) + 8 * HOUR_MS;

async function setup() {
  const clock = new ManualClock(day('2022-09-08'));
  const holder = new SnapshotHolder();
  holder.publish(
    new MemorySnapshot('cmcc', '2022-09-07', day('2022-09-07'), [
      { msisdn: '13800000001', status: 'ok', cities: ['360100'], countries: [] },
    ]),
  );
  const app = await buildOperatorNode({ nodeId: 'cmcc-1', serviceSecret: secret, holder, clock });
  const token = signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: clock.now() + 60_000 }, secret);
  return { app, holder, clock, auth: { authorization: `Bearer ${token}` } };
}

describe('operator node internal API', () => {
  it('answers a subscriber from the published snapshot, 404 for a stranger', async () => {
    const { app, auth } = await setup();
    const r = await app.inject({ url: '/internal/v1/itinerary/13800000001?days=14', headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      msisdn: '13800000001',
      days: 14,
      date: '2022-09-07',
      windowStart: '2022-08-24T00:00:00+08:00',
      windowEnd: '2022-09-07T00:00:00+08:00',
      updatedAt: '2022-09-07T08:00:00+08:00',
      cities: ['360100'],
    });
    const miss = await app.inject({ url: '/internal/v1/itinerary/13900000009', headers: auth });
    expect(miss.statusCode).toBe(404);
    expect(miss.json().error.code).toBe('NOT_FOUND');
    const bad = await app.inject({ url: '/internal/v1/itinerary/13800000001?days=9', headers: auth });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });

  it('rejects missing, forged, expired and wrong-audience tokens', async () => {
    const { app, clock } = await setup();
    const url = '/internal/v1/itinerary/13800000001';
    const tokens = [
      '',
      signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: clock.now() + 1000 }, 'another-secret-xxxxxxxx'),
      signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: clock.now() - 1 }, secret),
      signServiceToken({ iss: 'platform', aud: 'cucc-1', exp: clock.now() + 1000 }, secret),
    ];
    for (const t of tokens) {
      const r = await app.inject({ url, headers: { authorization: `Bearer ${t}` } });
      expect(r.statusCode).toBe(401);
    }
    // A token accepted once stops working when it expires.
    const short = signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: clock.now() + 1000 }, secret);
    expect((await app.inject({ url, headers: { authorization: `Bearer ${short}` } })).statusCode).toBe(200);
    clock.advance(1000);
    expect((await app.inject({ url, headers: { authorization: `Bearer ${short}` } })).statusCode).toBe(401);
    await app.close();
  });

  it('swaps in a new day atomically and keeps the previous one for earlier dates', async () => {
    const { app, holder, auth } = await setup();
    holder.publish(
      new MemorySnapshot('cmcc', '2022-09-08', day('2022-09-08'), [
        { msisdn: '13800000001', status: 'ok', cities: ['110000'], countries: ['JP'] },
      ]),
    );
    const latest = await app.inject({ url: '/internal/v1/itinerary/13800000001', headers: auth });
    expect(latest.json()).toMatchObject({ date: '2022-09-08', cities: ['110000'], countries: ['JP'] });
    const before = await app.inject({ url: '/internal/v1/itinerary/13800000001?date=2022-09-07', headers: auth });
    expect(before.json()).toMatchObject({ date: '2022-09-07', cities: ['360100'] });
    const info = await app.inject({ url: '/internal/v1/snapshot', headers: auth });
    expect(info.json()).toMatchObject({ operator: 'cmcc', date: '2022-09-08', subscribers: 1 });
    const none = await app.inject({ url: '/internal/v1/itinerary/13800000001?date=2022-01-01', headers: auth });
    expect(none.statusCode).toBe(503);
    await app.close();
  });
});
