// Check-ins per account and per client address, counted in the key-value store
// (shared by replicas) before the check-in is made: a real person checks in a
// few times a minute at most; a script punching hundreds is told to wait.
import { AppError } from '@itinerary-card/domain';
import type { KeyValue, Secrets } from '@itinerary-card/store';

export interface CheckinLimits {
  /** Check-ins per account per minute. */
  checkinsPerMinute: number;
  /** Check-ins per client address per minute (a venue's Wi-Fi or a carrier NAT serves many people). */
  checkinsPerIpPerMinute: number;
}

/** Key names kept per process before the memo starts over (a few MB). */
const KEY_MEMO_MAX = 50_000;

export class CheckinThrottle {
  /** Counter key names by account and by address: the keyed hash of each is made once, not per check-in. */
  private readonly accountKeys = new Map<string, string>();
  private readonly ipKeys = new Map<string, string>();

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
  async hit(account: string, ip: string): Promise<void> {
    const r = await this.kv.consume([
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
    ]);
    if (!r.ok) throw new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(r.ttlMs / 1000)) });
  }
}
