import { describe, expect, it } from 'vitest';
import { RefreshingCache } from './refreshing-cache.ts';

function setup(ttlMs = 1000) {
  let now = 0;
  let loads = 0;
  let fail = false;
  const pending: Array<() => void> = [];
  const cache = new RefreshingCache<string>({ ttlMs, now: () => now, random: () => 1 });
  const load = (v: string) => () =>
    new Promise<string>((resolve, reject) => {
      loads++;
      pending.push(() => (fail ? reject(new Error('down')) : resolve(v)));
    });
  const settle = async () => {
    while (pending.length) pending.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return {
    cache,
    load,
    settle,
    loads: () => loads,
    at: (t: number) => {
      now = t;
    },
    down: (f: boolean) => {
      fail = f;
    },
  };
}

describe('refreshing cache', () => {
  it('shares one load between concurrent misses of a key', async () => {
    const s = setup();
    const all = Promise.all([1, 2, 3].map(() => s.cache.get('k', s.load('v1'))));
    await s.settle();
    expect(await all).toEqual(['v1', 'v1', 'v1']);
    expect(s.loads()).toBe(1);
  });

  it('reloads a hot entry in the background before it expires; callers never wait', async () => {
    const s = setup();
    const first = s.cache.get('k', s.load('v1'));
    await s.settle();
    await first;
    s.at(500);
    expect(await s.cache.get('k', s.load('v2'))).toBe('v1');
    expect(s.loads()).toBe(1);
    s.at(800); // past 75% of its life: served, and one reload starts
    expect(await s.cache.get('k', s.load('v2'))).toBe('v1');
    expect(await s.cache.get('k', s.load('v2'))).toBe('v1');
    expect(s.loads()).toBe(2);
    await s.settle();
    s.at(1500); // the old entry would have expired; the reloaded one lives on
    expect(await s.cache.get('k', s.load('v3'))).toBe('v2');
    expect(s.loads()).toBe(2);
  });

  it('lets an entry expire when its background reload fails, then loads in the foreground', async () => {
    const s = setup();
    const first = s.cache.get('k', s.load('v1'));
    await s.settle();
    await first;
    s.down(true);
    s.at(800);
    expect(await s.cache.get('k', s.load('v2'))).toBe('v1');
    await s.settle();
    s.at(1000);
    const after = expect(s.cache.get('k', s.load('v3'))).rejects.toThrow('down');
    await s.settle();
    await after;
  });

  it('does not keep what keep() refuses, and forgets loads under way on clear()', async () => {
    const s = setup();
    const refused = s.cache.get('k', s.load('no'), (v) => v !== 'no');
    await s.settle();
    await refused;
    const again = s.cache.get('k', s.load('v1'));
    s.cache.clear();
    await s.settle();
    expect(await again).toBe('v1');
    expect(s.cache.size).toBe(0);
  });

  it('answers synchronously from a live entry (reloading it late in its life), never from a missing or expired one', async () => {
    const s = setup();
    expect(s.cache.cached('k', s.load('v1'))).toBeUndefined();
    expect(s.loads()).toBe(0);
    const first = s.cache.get('k', s.load('v1'));
    await s.settle();
    await first;
    expect(s.cache.cached('k', s.load('v2'))?.value).toBe('v1');
    s.at(800); // past 75% of its life: served, and one reload starts
    expect(s.cache.cached('k', s.load('v2'))?.value).toBe('v1');
    expect(s.loads()).toBe(2);
    s.cache.delete('k');
    expect(s.cache.cached('k', s.load('v3'))).toBeUndefined();
    const again = s.cache.get('k', s.load('v3'));
    await s.settle();
    await again;
    s.at(800 + 1000); // expired
    expect(s.cache.cached('k', s.load('v4'))).toBeUndefined();
  });

  it('makes room at its bound by dropping the least recently used entry, not every entry', async () => {
    const cache = new RefreshingCache<string>({ ttlMs: 1000, now: () => 0, maxEntries: 2 });
    const load = (v: string) => () => Promise.resolve(v);
    await cache.get('a', load('A'));
    await cache.get('b', load('B'));
    expect(cache.cached('a', load('A'))?.value).toBe('A'); // a is now the more recently used
    await cache.get('c', load('C'));
    expect(cache.size).toBe(2);
    expect(cache.cached('a', load('A'))?.value).toBe('A');
    expect(cache.cached('b', load('B'))).toBeUndefined();
    expect(cache.cached('c', load('C'))?.value).toBe('C');
  });

  it('is off at ttl 0', async () => {
    const s = setup(0);
    const a = s.cache.get('k', s.load('v1'));
    const b = s.cache.get('k', s.load('v2'));
    await s.settle();
    expect([await a, await b]).toEqual(['v1', 'v2']);
  });

  it('never keeps a value past its own end, and forgets a deleted key even if its load ends later', async () => {
    let now = 0;
    let resolveLoad: (v: { v: string; end: number }) => void = () => {};
    const cache = new RefreshingCache<{ v: string; end: number }>({
      ttlMs: 10_000,
      now: () => now,
      random: () => 1,
      endsAt: (x) => x.end,
    });
    let loads = 0;
    const load = () =>
      new Promise<{ v: string; end: number }>((r) => {
        loads++;
        resolveLoad = r;
      });
    const first = cache.get('k', load);
    resolveLoad({ v: 'a', end: 1_000 });
    expect((await first).v).toBe('a');
    now = 999;
    expect((await cache.get('k', load)).v).toBe('a');
    now = 1_000; // its end: the reload started in the background at 999 is waited for
    const again = cache.get('k', load);
    expect(loads).toBe(2);
    cache.delete('k');
    resolveLoad({ v: 'b', end: 50_000 });
    await again;
    expect(cache.size).toBe(0);
  });
});
