import { describe, expect, it } from 'vitest';
import { releaseShardHelper, takeShardHelper } from '../src/parallel-shard.ts';

describe('the shard helper kept between runs', () => {
  it('is handed to the next run, and a second run at the same time gets its own', async () => {
    const first = takeShardHelper();
    await releaseShardHelper(first);
    const again = takeShardHelper();
    expect(again).toBe(first);
    const other = takeShardHelper();
    expect(other).not.toBe(first);
    await releaseShardHelper(again);
    // One is kept: the other is ended, not kept as well.
    await releaseShardHelper(other);
    expect(other.idle).toBe(false);
    expect(takeShardHelper()).toBe(first);
    await first.close();
  });

  it('is not handed on once ended', async () => {
    const h = takeShardHelper();
    await h.close();
    await releaseShardHelper(h);
    const next = takeShardHelper();
    expect(next).not.toBe(h);
    expect(next.idle).toBe(true);
    await next.close();
  });
});
