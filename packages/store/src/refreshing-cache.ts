// A small in-process cache for values loaded from a slower source (an operator
// node, the database): entries live a jittered TTL, concurrent misses of a key
// share one load, and a hot entry is reloaded in the background shortly before
// it expires, so a busy key never makes a request wait and its expiry never
// sends a burst of loads to the source. At its bound it drops the least
// recently used entry (lru-cache), not every entry.
import { LRUCache } from 'lru-cache';

interface Slot<V> {
  value: V;
  until: number;
  refreshAt: number;
}

export interface RefreshingCacheOptions<V = unknown> {
  /** Entry lifetime; each entry gets between half of it and all of it. 0 turns the cache off. */
  ttlMs: number;
  now: () => number;
  /** At this many entries the least recently used one makes room for a new one. */
  maxEntries?: number;
  /** Share of its lifetime after which a read reloads the entry in the background. */
  refreshAfter?: number;
  /** Random number source for the jitter (tests pin it). */
  random?: () => number;
  /** When a value must be gone whatever its TTL (epoch ms), e.g. the end of a session. */
  endsAt?: (value: V) => number | undefined;
}

export class RefreshingCache<V> {
  private readonly slots: LRUCache<string, Slot<V>>;
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;

  constructor(private readonly o: RefreshingCacheOptions<V>) {
    this.slots = new LRUCache({ max: o.maxEntries ?? 100_000 });
  }

  /**
   * The cached value of `key`, or the result of `load` (shared by concurrent
   * callers). `keep` decides whether a loaded value is cached.
   */
  get(key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    if (this.o.ttlMs <= 0) return load();
    const hit = this.cached(key, load, keep);
    if (hit) return Promise.resolve(hit.value);
    return this.loading.get(key) ?? this.fill(key, load, keep);
  }

  /**
   * The entry of `key` when one is cached and live, without a promise (hot
   * paths that can answer synchronously); undefined otherwise, then ask `get`.
   * Like `get`, a read late in the entry's life reloads it in the background.
   */
  cached(key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): { readonly value: V } | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const t = this.o.now();
    if (slot.until <= t) return undefined;
    if (slot.refreshAt <= t && !this.loading.has(key)) {
      // A failed background reload leaves the entry to expire as it would have.
      this.fill(key, load, keep).catch(() => {});
    }
    return slot;
  }

  /** Forgets one entry; a load of it under way is not cached when it ends. */
  delete(key: string): void {
    this.slots.delete(key);
    this.loading.delete(key);
  }

  /** Forgets every entry; loads under way are not cached when they end. */
  clear(): void {
    this.slots.clear();
    this.generation++;
  }

  get size(): number {
    return this.slots.size;
  }

  private fill(key: string, load: () => Promise<V>, keep: (v: V) => boolean): Promise<V> {
    const generation = this.generation;
    const p: Promise<V> = load()
      .then((v) => {
        if (generation === this.generation && this.loading.get(key) === p && keep(v)) this.set(key, v);
        return v;
      })
      .finally(() => {
        if (this.loading.get(key) === p) this.loading.delete(key);
      });
    this.loading.set(key, p);
    return p;
  }

  private set(key: string, value: V): void {
    const t = this.o.now();
    // Jittered, so entries filled together do not all expire together.
    let life = this.o.ttlMs * (0.5 + (this.o.random ?? Math.random)() / 2);
    const end = this.o.endsAt?.(value);
    if (end !== undefined) life = Math.min(life, end - t);
    if (life <= 0) return;
    this.slots.set(key, { value, until: t + life, refreshAt: t + life * (this.o.refreshAfter ?? 0.75) });
  }
}
