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

export class CheckinThrottle {
  constructor(
    private readonly kv: KeyValue,
    private readonly secrets: Secrets,
    private readonly limits: CheckinLimits,
  ) {}

  /** Counts one check-in of `account` from `ip`; TOO_MANY_REQUESTS (with retryAfterSeconds) over a limit. */
  async hit(account: string, ip: string): Promise<void> {
    const r = await this.kv.consume([
      {
        key: `hc:checkin:a:${this.secrets.keyId('account', account)}`,
        max: this.limits.checkinsPerMinute,
        ttlMs: 60_000,
      },
      { key: `hc:checkin:ip:${this.secrets.keyId('ip', ip)}`, max: this.limits.checkinsPerIpPerMinute, ttlMs: 60_000 },
    ]);
    if (!r.ok) throw new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(r.ttlMs / 1000)) });
  }
}
