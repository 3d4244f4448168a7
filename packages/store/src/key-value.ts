// The key-value seam for short-lived state (codes, rate limits, sessions):
// in memory with TTLs when embedded, Redis in production. Counters use a fixed
// window: the TTL is set when a key is created and not extended by later incr.
import type { Redis } from 'ioredis';

export interface KeyValue {
  get(k: string): Promise<string | null>;
  set(k: string, v: string, ttlMs?: number): Promise<void>;
  /** Sets only when the key does not exist; true when it was set. */
  setNx(k: string, v: string, ttlMs?: number): Promise<boolean>;
  del(k: string): Promise<void>;
  /** Reads and deletes in one step (single-use values); null when absent. */
  take(k: string): Promise<string | null>;
  /** Adds 1 and returns the new value; a new key gets `ttlMs` (fixed window). */
  incr(k: string, ttlMs?: number): Promise<number>;
  /** Milliseconds to live: -2 when the key is absent, -1 when it has no expiry. */
  ttl(k: string): Promise<number>;
  close(): Promise<void>;
}

export interface OpenKeyValueOptions {
  /** redis://… : use Redis; in memory when absent. */
  url?: string;
  /** Prefix for every key (several apps sharing one Redis). */
  prefix?: string;
  /** Clock for the in-memory store (tests move time by hand). */
  now?: () => number;
}

export async function openKeyValue(options: OpenKeyValueOptions = {}): Promise<KeyValue> {
  if (options.url) return openRedisKeyValue(options.url, options.prefix);
  return new MemoryKeyValue(options.now);
}

interface Entry {
  v: string;
  /** Expiry in ms since epoch; 0 = never. */
  exp: number;
}

export class MemoryKeyValue implements KeyValue {
  private readonly map = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Lazy expiry on read plus a periodic sweep so abandoned keys do not pile up.
    this.sweeper = setInterval(() => this.sweep(), 10_000);
    this.sweeper.unref();
  }

  private live(k: string): Entry | undefined {
    const e = this.map.get(k);
    if (e === undefined) return undefined;
    if (e.exp !== 0 && e.exp <= this.now()) {
      this.map.delete(k);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.map) if (e.exp !== 0 && e.exp <= t) this.map.delete(k);
  }

  private expiry(ttlMs?: number): number {
    return ttlMs && ttlMs > 0 ? this.now() + ttlMs : 0;
  }

  async get(k: string): Promise<string | null> {
    return this.live(k)?.v ?? null;
  }
  async set(k: string, v: string, ttlMs?: number): Promise<void> {
    this.map.set(k, { v, exp: this.expiry(ttlMs) });
  }
  async setNx(k: string, v: string, ttlMs?: number): Promise<boolean> {
    if (this.live(k)) return false;
    this.map.set(k, { v, exp: this.expiry(ttlMs) });
    return true;
  }
  async del(k: string): Promise<void> {
    this.map.delete(k);
  }
  async take(k: string): Promise<string | null> {
    const e = this.live(k);
    if (!e) return null;
    this.map.delete(k);
    return e.v;
  }
  async incr(k: string, ttlMs?: number): Promise<number> {
    const e = this.live(k);
    if (!e) {
      this.map.set(k, { v: '1', exp: this.expiry(ttlMs) });
      return 1;
    }
    const n = Number(e.v) + 1;
    if (!Number.isFinite(n)) throw new TypeError(`value of ${k} is not a number`);
    e.v = String(n);
    return n;
  }
  async ttl(k: string): Promise<number> {
    const e = this.live(k);
    if (!e) return -2;
    return e.exp === 0 ? -1 : e.exp - this.now();
  }
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.map.clear();
  }
}

// INCR and set the TTL only on creation, atomically.
const INCR_SCRIPT = `local v = redis.call('INCR', KEYS[1])
if v == 1 and tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v`;

export async function openRedisKeyValue(url: string, prefix = ''): Promise<KeyValue> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  await redis.connect();
  return new RedisKeyValue(redis, prefix);
}

class RedisKeyValue implements KeyValue {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  private k(k: string): string {
    return this.prefix + k;
  }
  get(k: string): Promise<string | null> {
    return this.redis.get(this.k(k));
  }
  async set(k: string, v: string, ttlMs?: number): Promise<void> {
    if (ttlMs && ttlMs > 0) await this.redis.set(this.k(k), v, 'PX', Math.ceil(ttlMs));
    else await this.redis.set(this.k(k), v);
  }
  async setNx(k: string, v: string, ttlMs?: number): Promise<boolean> {
    const r =
      ttlMs && ttlMs > 0
        ? await this.redis.set(this.k(k), v, 'PX', Math.ceil(ttlMs), 'NX')
        : await this.redis.set(this.k(k), v, 'NX');
    return r === 'OK';
  }
  async del(k: string): Promise<void> {
    await this.redis.del(this.k(k));
  }
  take(k: string): Promise<string | null> {
    return this.redis.getdel(this.k(k));
  }
  async incr(k: string, ttlMs?: number): Promise<number> {
    const r = await this.redis.eval(INCR_SCRIPT, 1, this.k(k), String(Math.ceil(ttlMs ?? 0)));
    return Number(r);
  }
  ttl(k: string): Promise<number> {
    return this.redis.pttl(this.k(k));
  }
  async close(): Promise<void> {
    await this.redis.quit();
  }
}
