// The seam with the pipeline: its Snapshot (pseudonymised keys) serves through
// the node as is, and a followed store swaps days in.
import { beijingDayStart, HOUR_MS, ManualClock } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import { pseudonymizer, snapshotFromLines } from '@itinerary-card/pipeline';
import { describe, expect, it } from 'vitest';
import { buildOperatorNode } from './build-operator-node.ts';
import { followSnapshots, type PublishedSnapshots } from './follow-snapshots.ts';
import type { NodeSnapshot } from './snapshot-holder.ts';
import { SnapshotHolder } from './snapshot-holder.ts';

const secret = 'node-test-secret-0123456789';

function day(date: string, cities: string[]) {
  return snapshotFromLines(
    [
      { msisdn: '13800000001', date, days: 7, status: 'ok', cities, countries: [] },
      { msisdn: '13800000001', date, days: 14, status: 'ok', cities: [...cities, '420100'], countries: ['JP'] },
    ],
    { operator: 'cmcc', date, publishedAt: beijingDayStart(date) + 8 * HOUR_MS },
    { keyOf: pseudonymizer('pseudonym-key-0123456789') },
  );
}

describe('pipeline snapshots in the node', () => {
  it('answers from a pseudonymised pipeline snapshot and follows newly published days', async () => {
    let published: NodeSnapshot = day('2022-09-07', ['360100']);
    let onChange: ((s: NodeSnapshot) => void) | undefined;
    const store: PublishedSnapshots = {
      loadPublished: () => published,
      watch: (cb) => {
        onChange = cb;
        return () => {
          onChange = undefined;
        };
      },
    };
    const holder = new SnapshotHolder();
    const stop = followSnapshots(store, holder);
    const clock = new ManualClock(beijingDayStart('2022-09-08') + 9 * HOUR_MS);
    const app = await buildOperatorNode({ nodeId: 'cmcc-1', serviceSecret: secret, holder, clock });
    const auth = {
      authorization: `Bearer ${signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: clock.now() + 60_000 }, secret)}`,
    };
    const r = await app.inject({ url: '/internal/v1/itinerary/13800000001?days=14', headers: auth });
    expect(r.json()).toMatchObject({ date: '2022-09-07', cities: ['360100', '420100'], countries: ['JP'] });
    published = day('2022-09-08', ['110000']);
    onChange!(published);
    const next = await app.inject({ url: '/internal/v1/itinerary/13800000001', headers: auth });
    expect(next.json()).toMatchObject({ date: '2022-09-08', cities: ['110000'] });
    stop();
    expect(onChange).toBeUndefined();
    await app.close();
  });
});
