import { describe, expect, it } from 'vitest';
import { BatchQueue } from './batch-queue.ts';

describe('BatchQueue', () => {
  it('runs what was queued in one turn as one group, later items in the next groups, and drains', async () => {
    const groups: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = new BatchQueue<number>({
      run: async (batch) => {
        groups.push(batch);
        await gate;
      },
      maxBatch: 3,
      concurrency: 1,
    });
    for (const i of [1, 2, 3, 4]) q.push(i);
    await new Promise((r) => setImmediate(r));
    // One group in flight (concurrency 1): the rest waits for it.
    expect(groups).toEqual([[1, 2, 3]]);
    q.push(5);
    let drained = false;
    const drain = q.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    release();
    await drain;
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    await q.drain();
  });

  it('with spacing, what arrives while the last group is recent waits and joins one group', async () => {
    const groups: number[][] = [];
    const q = new BatchQueue<number>({
      run: async (batch) => {
        groups.push(batch);
      },
      maxBatch: 100,
      concurrency: 4,
      // Long enough that the items below, pushed in separate turns, all arrive within it.
      spacingMs: 1000,
    });
    q.push(1);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1]]);
    // Slots are free (concurrency 4) and each item comes in a turn of its own: without spacing each
    // would be a group of one.
    for (const i of [2, 3, 4]) {
      q.push(i);
      await new Promise((r) => setImmediate(r));
    }
    expect(groups).toEqual([[1]]);
    await q.drain();
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });
});
