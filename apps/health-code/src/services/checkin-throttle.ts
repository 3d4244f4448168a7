// Check-ins per account and per client address, counted in the key-value store
// (shared by replicas) before the check-in is made: a real person checks in a
// few times a minute at most; a script punching hundreds is told to wait.
// The check-ins that arrive together are counted together: one script in Redis
// (KeyValue.consumeEach) for all of them, each still all or nothing on its own.
import { AppError } from '@itinerary-card/domain';
import type { ConsumeResult, Counter, KeyValue, Secrets } from '@itinerary-card/store';
import { BatchQueue } from '../repositories/batch-queue.ts';

export interface CheckinLimits {
  /** Check-ins per account per minute. */
  checkinsPerMinute: number;
  /** Check-ins per client address per minute (a venue's Wi-Fi or a carrier NAT serves many people). */
  checkinsPerIpPerMinute: number;
}

/** Key names kept per process before the memo starts over (a few MB). */
const KEY_MEMO_MAX = 50_000;

interface Hit {
  counters: Counter[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class CheckinThrottle {
  /** Counter key names by account and by address: the keyed hash of each is made once, not per check-in. */
  private readonly accountKeys = new Map<string, string>();
  private readonly ipKeys = new Map<string, string>();
  /** What arrives in one event-loop turn (and while earlier groups are in flight) goes to the store as one call. */
  private readonly queue = new BatchQueue<Hit>({ run: (hits) => this.count(hits), maxBatch: 500, concurrency: 4 });

  constructor(
    private readonly kv: KeyValue,
    private readonly secrets: Secrets,
    private readonly limits: CheckinLimits,
  ) {}

  private keyOf(memo: Map<string, string>, prefix: string, kind: string, value: string): string {
    let key = memo.get(value);
    if (key === undefined) {
      if (memo.size >= KEY_MEMO_MAX) memo.clear();
      key = `${prefix}${this.secrets.keyId(kind, value)}`;
      memo.set(value, key);
    }
    return key;
  }

  /** Counts one check-in of `account` from `ip`; TOO_MANY_REQUESTS (with retryAfterSeconds) over a limit. */
  hit(account: string, ip: string): Promise<void> {
    const counters: Counter[] = [
      {
        key: this.keyOf(this.accountKeys, 'hc:checkin:a:', 'account', account),
        max: this.limits.checkinsPerMinute,
        ttlMs: 60_000,
      },
      {
        key: this.keyOf(this.ipKeys, 'hc:checkin:ip:', 'ip', ip),
        max: this.limits.checkinsPerIpPerMinute,
        ttlMs: 60_000,
      },
    ];
    return new Promise((resolve, reject) => this.queue.push({ counters, resolve, reject }));
  }

  private async count(hits: Hit[]): Promise<void> {
    let results: ConsumeResult[];
    try {
      results = await this.kv.consumeEach(hits.map((h) => h.counters));
    } catch (e) {
      for (const h of hits) h.reject(e);
      return;
    }
    for (let i = 0; i < hits.length; i++) {
      const r = results[i]!;
      if (r.ok) hits[i]!.resolve();
      else
        hits[i]!.reject(
          new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(r.ttlMs / 1000)) }),
        );
    }
  }
}
