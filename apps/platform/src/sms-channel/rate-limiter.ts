// Per-number limits for the SMS channel: a fixed window counted in the platform's
// KeyValue (Redis in production, shared by every replica; in memory for tests).
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
