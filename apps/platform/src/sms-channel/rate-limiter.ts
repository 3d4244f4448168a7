// Per-number limits for the SMS channel: a fixed window counted in memory, or
// in the platform's KeyValue (Redis in production, shared by every replica).
import type { Clock } from '@itinerary-card/domain';

export interface RateDecision {
  allowed: boolean;
  /** Hits in the current window, this one included. */
  count: number;
  /** Until the window resets (0 when allowed). */
  retryAfterMs: number;
  /** The most hits a window allows. */
  limit: number;
}

export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly rule: RateLimit,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  async hit(key: string): Promise<RateDecision> {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.rule.windowMs) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    const allowed = w.count <= this.rule.limit;
    const retryAfterMs = allowed ? 0 : w.start + this.rule.windowMs - now;
    return { allowed, count: w.count, retryAfterMs, limit: this.rule.limit };
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.rule.windowMs) this.windows.delete(k);
    // Still full: forget the oldest windows rather than grow without bound.
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}

/** The part of packages/store's KeyValue a limiter needs (fixed-window incr, ttl in ms). */
export interface CounterStore {
  incr(k: string, ttlMs?: number): Promise<number>;
  ttl(k: string): Promise<number>;
}

export class KeyValueRateLimiter implements RateLimiter {
  constructor(
    private readonly kv: CounterStore,
    private readonly rule: RateLimit,
    private readonly prefix: string,
  ) {}

  async hit(key: string): Promise<RateDecision> {
    const k = `${this.prefix}:${key}`;
    const count = await this.kv.incr(k, this.rule.windowMs);
    const limit = this.rule.limit;
    if (count <= limit) return { allowed: true, count, retryAfterMs: 0, limit };
    const ttl = await this.kv.ttl(k);
    return { allowed: false, count, retryAfterMs: ttl > 0 ? ttl : this.rule.windowMs, limit };
  }
}
