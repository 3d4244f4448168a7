import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Ascii, subscriberShard } from './index.ts';

describe('subscriberShard', () => {
  it('is CRC-32 as zlib (and HAProxy) compute it', () => {
    expect(crc32Ascii('123456789')).toBe(0xcbf43926); // the CRC-32 check value
    fc.assert(
      fc.property(fc.stringMatching(/^1\d{10}$/), (m) => {
        expect(crc32Ascii(m)).toBe(crc32(m));
      }),
    );
  });

  it('spreads numbers over the shards evenly', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[subscriberShard(`138${String(i * 7919).padStart(8, '0')}`, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(subscriberShard('13800000001', 1)).toBe(0);
  });
});
