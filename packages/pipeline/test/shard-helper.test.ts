import { buildCellModel } from '@itinerary-card/stay-engine';
import { describe, expect, it } from 'vitest';
import { releaseShardHelper, ShardHelper, takeShardHelper } from '../src/compute/parallel-shard.ts';
import type { ShardJob } from '../src/compute/shard-worker.ts';

describe('the shard helper kept between runs', () => {
  it('is handed to the next run, and a second run at the same time gets its own', async () => {
    const first = await takeShardHelper();
    await releaseShardHelper(first);
    const again = await takeShardHelper();
    expect(again).toBe(first);
    const other = await takeShardHelper();
    expect(other).not.toBe(first);
    await releaseShardHelper(again);
    // One is kept: the other is ended, not kept as well.
    await releaseShardHelper(other);
    expect(other.idle).toBe(false);
    expect(await takeShardHelper()).toBe(first);
    await first.close();
  });

  it('is not handed on once ended', async () => {
    const h = await takeShardHelper();
    await h.close();
    await releaseShardHelper(h);
    const next = await takeShardHelper();
    expect(next).not.toBe(h);
    expect(next.idle).toBe(true);
    await next.close();
  });

  // The compiled worker (dist/shard-worker.js) runs the same job in apps/cli/test/built-cli.test.ts.
  it('runs a job from the TypeScript sources', async () => {
    const H = 3_600_000;
    const day0 = Date.parse('2022-09-01T00:00:00+08:00');
    // Subscribers 0 and 1, six hours in one city each; of 512 subscribers in two buckets, the worker takes
    // the odd bucket (subscriber 1).
    const recs = Array.from({ length: 24 }, (_, k) => [k % 2, day0 + (k >> 1) * 0.5 * H, k % 2] as const);
    const job: ShardJob = {
      input: {
        sub: Int32Array.from(recs.map((r) => r[0])),
        t: Float64Array.from(recs.map((r) => r[1])),
        place: Int32Array.from(recs.map((r) => r[2])),
        ev: new Int32Array(recs.length),
        length: recs.length,
      },
      subscriberCount: 512,
      model: buildCellModel(
        [
          { city: 0, lat: 30, lon: 115 },
          { city: 1, lat: 31, lon: 117 },
        ],
        2,
      ),
      spec: { firstDayStart: day0, dayCount: 1 },
      part: { offset: 1, stride: 2 },
    };
    const h = new ShardHelper();
    const reply = await h.run(job).finally(() => h.close());
    expect(reply).toMatchObject({ ok: true, res: { subscribersWithRecords: 1, duplicates: 0 } });
  });
});
