import type { Sql } from '@itinerary-card/store';
import { describe, expect, it } from 'vitest';
import { CheckinWriter } from './checkin-writer.ts';

/** An Sql that keeps the keys each group commit writes. */
function keyCatcher(keys: string[]): Sql {
  return {
    query: async (_text, params) => {
      keys.push(...(params![3] as string[]));
      return [];
    },
    exec: async () => {},
    transaction: (fn) => fn(keyCatcher(keys)),
    close: async () => {},
  };
}

describe('CheckinWriter', () => {
  it('gives each check-in its own key, in the order they were made, and each writer keys of its own', async () => {
    const keys: string[] = [];
    const writer = new CheckinWriter(keyCatcher(keys), { maxBatch: 7 });
    // Past a power of 36, where a counter without a fixed width would sort out of order.
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write('V1', `P${i}`, 1_700_000_000_000)));
    }
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(60);
    expect([...keys].sort()).toEqual(keys);
    const other: string[] = [];
    await new CheckinWriter(keyCatcher(other)).write('V1', 'P1', 1_700_000_000_000);
    expect(other[0]!.split('.')[0]).not.toBe(keys[0]!.split('.')[0]);
  });
});
