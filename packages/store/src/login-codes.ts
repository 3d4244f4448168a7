// One-time SMS login codes and the limits around them, one rule for the
// platform and the health-code system (docs/deployment.md, "Login codes"):
// each check is counted before the code is compared, atomically, so no burst
// of guesses gets more tries than the limit; a code dies after its tries; a
// number waits a growing few minutes for a new code after each dead one; a
// client address that sends many wrong codes waits a growing back-off. Nothing
// locks a number for the day. Key names hold keyed ids, codes are kept as MACs.
import { randomInt } from 'node:crypto';
import { AppError, BEIJING_OFFSET_MS, DAY_MS } from '@itinerary-card/domain';
import type { KeyValue } from './key-value.ts';
import type { Secrets } from './secrets.ts';

export interface LoginCodeLimits {
  /** How long a code is valid. */
  codeTtlMs: number;
  /** Least time between two codes for one number. */
  codeResendMs: number;
  /** Checks per code, right or wrong; then the code is dead and a new one is needed. */
  codeMaxTries: number;
  codesPerHour: number;
  /** Per Beijing calendar day. */
  codesPerDay: number;
  smsPerIpPerMinute: number;
  smsPerIpPerHour: number;
  /** Code checks per client address per minute, right or wrong. */
  loginPerIpPerMinute: number;
  /** Wrong codes from one client address within `wrongCodesWindowMs` before it must wait. */
  wrongCodesPerIp: number;
  wrongCodesWindowMs: number;
  /** The address's first wait; each further one within a day doubles, up to `ipBackoffMaxMs`. */
  ipBackoffBaseMs: number;
  ipBackoffMaxMs: number;
  /** After a dead code the number's next code waits `codeResendMs`, doubling per dead code within a day, up to this. */
  numberBackoffMaxMs: number;
}

export const DEFAULT_LOGIN_CODE_LIMITS: LoginCodeLimits = {
  codeTtlMs: 5 * 60_000,
  codeResendMs: 60_000,
  codeMaxTries: 5,
  codesPerHour: 5,
  codesPerDay: 10,
  smsPerIpPerMinute: 30,
  smsPerIpPerHour: 300,
  loginPerIpPerMinute: 60,
  wrongCodesPerIp: 20,
  wrongCodesWindowMs: 10 * 60_000,
  ipBackoffBaseMs: 60_000,
  ipBackoffMaxMs: 3_600_000,
  numberBackoffMaxMs: 15 * 60_000,
};

export interface LoginCodesDeps {
  kv: KeyValue;
  now: () => number;
  secrets: Secrets;
  limits: LoginCodeLimits;
  /** Prefix of this app's key names inside `kv` ('' when the store is the app's own). */
  prefix?: string;
}

export interface IssuedCode {
  code: string;
  resendAfterSeconds: number;
  /** Forgets a code that never reached its number (the SMS failed): a new one may be asked at once. */
  withdraw(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const tooMany = (code: 'TOO_MANY_REQUESTS' | 'TOO_MANY_ATTEMPTS', ttlMs: number) =>
  new AppError(code, { retryAfterSeconds: seconds(ttlMs) });
const backoff = (base: number, strikes: number, max: number) => Math.min(max, base * 2 ** Math.min(30, strikes - 1));

export class LoginCodes {
  private readonly p: string;

  constructor(private readonly d: LoginCodesDeps) {
    this.p = d.prefix ?? '';
  }

  private dayIndex(): number {
    return Math.floor((this.d.now() + BEIJING_OFFSET_MS) / DAY_MS);
  }

  /**
   * Makes a code for `msisdn` asked from `ip`, within the limits; the caller
   * sends it. The answer does not depend on whose number it is.
   */
  async issue(msisdn: string, ip: string): Promise<IssuedCode> {
    const { kv, secrets, limits: l } = this.d;
    const p = this.p;
    const addr = secrets.keyId('ip', ip);
    const perIp = await kv.consume([
      { key: `${p}ip:sms:m:${addr}`, max: l.smsPerIpPerMinute, ttlMs: 60_000 },
      { key: `${p}ip:sms:h:${addr}`, max: l.smsPerIpPerHour, ttlMs: HOUR_MS },
    ]);
    if (!perIp.ok) throw tooMany('TOO_MANY_REQUESTS', perIp.ttlMs);
    const id = secrets.numberId(msisdn);
    const cool = `${p}code:cool:${id}`;
    if (!(await kv.setNx(cool, '1', l.codeResendMs))) throw tooMany('TOO_MANY_REQUESTS', await kv.ttl(cool));
    const day = this.dayIndex();
    // The day's counter lives until the next Beijing midnight, so its wait says when codes come again.
    const untilMidnight = (day + 1) * DAY_MS - BEIJING_OFFSET_MS - this.d.now();
    // The day first: when both are full, its wait is the one that counts.
    const perNumber = await kv.consume([
      { key: `${p}code:d:${id}:${day}`, max: l.codesPerDay, ttlMs: untilMidnight },
      { key: `${p}code:h:${id}`, max: l.codesPerHour, ttlMs: HOUR_MS },
    ]);
    if (!perNumber.ok) throw tooMany('TOO_MANY_REQUESTS', perNumber.ttlMs);

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    // Names this code's try counter: one code per number per resend interval.
    const codeId = `${id}.${this.d.now().toString(36)}`;
    const codeKey = `${p}code:${id}`;
    await kv.set(codeKey, `${codeId}:${secrets.mac('code', `${msisdn}:${code}`)}`, l.codeTtlMs);
    return {
      code,
      resendAfterSeconds: Math.ceil(l.codeResendMs / 1000),
      withdraw: async () => {
        await kv.del(codeKey);
        await kv.del(cool);
      },
    };
  }

  /**
   * Checks a code; resolves when it is right (it is then used up), throws
   * CODE_EXPIRED, CODE_INVALID (with `attemptsLeft`), TOO_MANY_ATTEMPTS or
   * TOO_MANY_REQUESTS (both with `retryAfterSeconds`) otherwise.
   */
  async check(msisdn: string, code: string, ip: string): Promise<void> {
    const { kv, secrets, limits: l } = this.d;
    const p = this.p;
    const addr = secrets.keyId('ip', ip);
    const lockKey = `${p}ip:lock:${addr}`;
    const gate = await kv.consume([
      { key: lockKey, max: 1, add: 0 },
      { key: `${p}ip:login:m:${addr}`, max: l.loginPerIpPerMinute, ttlMs: 60_000 },
    ]);
    if (!gate.ok) throw tooMany(gate.index === 0 ? 'TOO_MANY_ATTEMPTS' : 'TOO_MANY_REQUESTS', gate.ttlMs);
    const id = secrets.numberId(msisdn);
    const codeKey = `${p}code:${id}`;
    const stored = await kv.get(codeKey);
    if (!stored) throw new AppError('CODE_EXPIRED');
    const sep = stored.lastIndexOf(':');
    const triesKey = `${p}code:tries:${stored.slice(0, sep)}`;
    // The try is counted before the comparison, in one atomic step.
    const tries = await kv.consume([{ key: triesKey, max: l.codeMaxTries, ttlMs: l.codeTtlMs }]);
    if (!tries.ok) throw await this.deadCode(id, codeKey, stored);
    if (!secrets.equal(secrets.mac('code', `${msisdn}:${code}`), stored.slice(sep + 1))) {
      const lockedMs = await this.wrongFrom(addr, lockKey);
      if (tries.counts[0]! >= l.codeMaxTries) {
        const dead = await this.deadCode(id, codeKey, stored);
        if (lockedMs === 0) throw dead;
      }
      if (lockedMs > 0) throw tooMany('TOO_MANY_ATTEMPTS', lockedMs);
      throw new AppError('CODE_INVALID', { attemptsLeft: l.codeMaxTries - tries.counts[0]! });
    }
    // Single use: only the caller that removes this very code succeeds (a newer code is left alone).
    if (!(await kv.takeIf(codeKey, stored))) throw new AppError('CODE_EXPIRED');
    await kv.del(triesKey);
  }

  /**
   * A code out of tries is removed; the number's next code then waits a
   * back-off that grows with each dead code of the day. The answer says how long.
   */
  private async deadCode(id: string, codeKey: string, stored: string): Promise<AppError> {
    const { kv, limits: l } = this.d;
    const cool = `${this.p}code:cool:${id}`;
    // Only the caller that removes the code counts it; a newer code sent meanwhile stays.
    if (await kv.takeIf(codeKey, stored)) {
      const strikes = await kv.incr(`${this.p}code:strikes:${id}`, DAY_MS);
      const wait = backoff(l.codeResendMs, strikes, l.numberBackoffMaxMs);
      if ((await kv.ttl(cool)) < wait) await kv.set(cool, '1', wait);
    }
    return tooMany('TOO_MANY_ATTEMPTS', Math.max(0, await kv.ttl(cool)));
  }

  /**
   * Counts a wrong code from an address; at the limit the address waits (a
   * back-off growing through the day): the wait in ms, 0 when none.
   */
  private async wrongFrom(addr: string, lockKey: string): Promise<number> {
    const { kv, limits: l } = this.d;
    const wrongKey = `${this.p}ip:wrong:${addr}`;
    if ((await kv.incr(wrongKey, l.wrongCodesWindowMs)) < l.wrongCodesPerIp) return 0;
    const strikes = await kv.incr(`${this.p}ip:strikes:${addr}`, DAY_MS);
    const wait = backoff(l.ipBackoffBaseMs, strikes, l.ipBackoffMaxMs);
    await kv.set(lockKey, '1', wait);
    await kv.del(wrongKey);
    return wait;
  }
}
