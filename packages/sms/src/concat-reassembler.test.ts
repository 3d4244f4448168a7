import { ManualClock } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { ConcatReassembler } from './concat-reassembler.ts';

describe('ConcatReassembler', () => {
  it('joins parts in sequence order whatever order they arrive in, once each', () => {
    const r = new ConcatReassembler(new ManualClock(0));
    expect(r.add('a', 'b', { ref: 1, total: 3, seq: 3 }, 'C')).toBeUndefined();
    expect(r.add('a', 'b', { ref: 1, total: 3, seq: 1 }, 'A')).toBeUndefined();
    expect(r.add('a', 'b', { ref: 1, total: 3, seq: 1 }, 'A')).toBeUndefined();
    expect(r.add('a', 'b', { ref: 1, total: 3, seq: 2 }, 'B')).toBe('ABC');
    expect(r.size).toBe(0);
  });

  it('keeps senders apart and drops incomplete messages after the time-to-live', () => {
    const clock = new ManualClock(0);
    const r = new ConcatReassembler(clock, 1000);
    r.add('x', 'b', { ref: 9, total: 2, seq: 1 }, 'x1');
    expect(r.add('y', 'b', { ref: 9, total: 2, seq: 2 }, 'y2')).toBeUndefined();
    clock.advance(2000);
    expect(r.add('x', 'b', { ref: 9, total: 2, seq: 2 }, 'x2')).toBeUndefined();
    expect(r.size).toBe(1);
  });

  it('rejects a sequence number outside the total', () => {
    const r = new ConcatReassembler(new ManualClock(0));
    expect(r.add('a', 'b', { ref: 1, total: 2, seq: 3 }, 'Z')).toBeUndefined();
    expect(r.size).toBe(0);
  });
});
