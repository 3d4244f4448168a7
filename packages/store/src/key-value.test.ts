import { describe, expect, it } from 'vitest';
import { MemoryKeyValue } from './key-value.ts';

describe('MemoryKeyValue', () => {
  it('expires keys by the injected clock and keeps fixed-window counters', async () => {
    let t = 1_000;
    const kv = new MemoryKeyValue(() => t);
    await kv.set('a', 'x', 100);
    expect(await kv.get('a')).toBe('x');
    expect(await kv.ttl('a')).toBe(100);
    t += 100;
    expect(await kv.get('a')).toBeNull();
    expect(await kv.ttl('a')).toBe(-2);
    expect(await kv.incr('c', 50)).toBe(1);
    t += 40;
    expect(await kv.incr('c', 50)).toBe(2);
    t += 10;
    expect(await kv.incr('c', 50)).toBe(1);
    await kv.set('p', 'v');
    expect(await kv.ttl('p')).toBe(-1);
    expect(await kv.setNx('p', 'w')).toBe(false);
    expect(await kv.take('p')).toBe('v');
    expect(await kv.take('p')).toBeNull();
    await kv.close();
  });
});
