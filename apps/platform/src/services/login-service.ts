// Login by SMS code: 6 digits from a CSPRNG, valid 5 minutes, single use, bound
// to the number, stored only as an HMAC and compared in constant time; limits
// per code, per number (hour, day, failed checks) and per IP. Sessions and
// revocable device tokens ("二次登录无需验证") live in the same key-value store.
import { randomInt } from 'node:crypto';
import { AppError, BEIJING_OFFSET_MS, type Clock, DAY_MS, formatBeijing } from '@itinerary-card/domain';
import { type KeyValue, RefreshingCache } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import { Secrets } from './secrets.ts';
import type { SmsSender } from './sms-sender.ts';

type LoginOptions = Pick<
  PlatformOptions,
  | 'codeTtlMs'
  | 'codeResendMs'
  | 'codeMaxTries'
  | 'codesPerHour'
  | 'codesPerDay'
  | 'failedChecksPerDay'
  | 'smsPerIpPerMinute'
  | 'smsPerIpPerHour'
  | 'loginPerIpPerMinute'
  | 'sessionTtlMs'
  | 'deviceTtlMs'
  | 'sessionCacheMs'
>;

export interface LoginServiceDeps {
  kv: KeyValue;
  clock: Clock;
  secrets: Secrets;
  sms: SmsSender;
  options: LoginOptions;
  log: { warn(obj: unknown, msg: string): void };
}

export interface Session {
  token: string;
  expiresAt: string;
  deviceToken?: string;
}

const HOUR = 3_600_000;
const DAY = DAY_MS;

/** The Beijing calendar day of an instant as a number (day-scoped counters). */
const beijingDayIndex = (ms: number) => Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS);

export function codeSmsText(code: string, minutes: number): string {
  return `【通信行程卡】您的验证码为${code}，${minutes}分钟内有效，请勿泄露给他人。`;
}

interface CachedSession {
  msisdn: string;
  /** When the session ends in the store (epoch ms). */
  endsAt: number;
}

/** Channel on which a process announces an ended session (its storage key) to the others. */
const SESSION_ENDED = 'session-ended';
const MAX_CACHED_SESSIONS = 200_000;
const isSession = (s: CachedSession | null) => s !== null;

export class LoginService {
  /**
   * Sessions looked up lately, by storage key: jittered lifetimes (sessions first
   * used together do not all go back to the store together), reloaded in the
   * background while in use, never kept past the session's own end.
   */
  private readonly sessions: RefreshingCache<CachedSession | null>;
  /**
   * Storage keys of the bearer tokens of sessions found lately: a token's key is
   * a SHA-256, the costliest step of a cached lookup. Only a memo of that hash;
   * whether the session still stands is always asked of `sessions`.
   */
  private readonly keys = new Map<string, string>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly d: LoginServiceDeps) {
    this.sessions = new RefreshingCache({
      ttlMs: d.options.sessionCacheMs,
      now: () => d.clock.now(),
      maxEntries: MAX_CACHED_SESSIONS,
      endsAt: (s) => s?.endsAt,
    });
  }

  /**
   * Listens for sessions ended by any process, so cached sessions end at once
   * everywhere; without the listener no session is cached.
   */
  async start(): Promise<void> {
    if (this.d.options.sessionCacheMs <= 0 || this.unsubscribe) return;
    this.unsubscribe = await this.d.kv.subscribe(
      SESSION_ENDED,
      (key) => this.sessions.delete(key),
      () => this.sessions.clear(),
    );
  }

  async stop(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    this.sessions.clear();
    this.keys.clear();
    await u?.();
  }

  private tooMany(ttlMs: number): AppError {
    return new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) });
  }

  private async limit(key: string, max: number, windowMs: number): Promise<void> {
    const n = await this.d.kv.incr(key, windowMs);
    if (n > max) throw this.tooMany(await this.d.kv.ttl(key));
  }

  /**
   * Sends a code. The answer is the same whether or not the number is anyone's
   * subscriber: nothing here looks the number up.
   */
  async requestCode(msisdn: string, ip: string): Promise<{ resendAfterSeconds: number }> {
    const { kv, options: o, secrets } = this.d;
    await this.limit(`ip:sms:m:${ip}`, o.smsPerIpPerMinute, 60_000);
    await this.limit(`ip:sms:h:${ip}`, o.smsPerIpPerHour, HOUR);
    const id = secrets.numberId(msisdn);
    if (!(await kv.setNx(`code:cool:${id}`, '1', o.codeResendMs))) throw this.tooMany(await kv.ttl(`code:cool:${id}`));
    // Only codes actually sent count; the cooldown above serialises requests per number.
    const hourKey = `code:h:${id}`;
    const dayKey = `code:d:${id}:${beijingDayIndex(this.d.clock.now())}`;
    if (Number((await kv.get(hourKey)) ?? 0) >= o.codesPerHour) throw this.tooMany(await kv.ttl(hourKey));
    if (Number((await kv.get(dayKey)) ?? 0) >= o.codesPerDay) throw this.tooMany(await kv.ttl(dayKey));
    await kv.incr(hourKey, HOUR);
    await kv.incr(dayKey, DAY + HOUR);

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    // Names this code's try counter; unique per number (one code per resend interval).
    const codeId = `${id}.${this.d.clock.now().toString(36)}`;
    await kv.set(`code:${id}`, `${codeId}:${secrets.mac('code', `${msisdn}:${code}`)}`, o.codeTtlMs);
    try {
      await this.d.sms.send({ to: msisdn, text: codeSmsText(code, Math.round(o.codeTtlMs / 60_000)) });
    } catch (err) {
      // The code never reached the user: forget it and let them retry at once.
      await kv.del(`code:${id}`);
      await kv.del(`code:cool:${id}`);
      this.d.log.warn({ err: (err as Error).message }, 'sms send failed');
      throw new AppError('SMS_SEND_FAILED', {}, { cause: err });
    }
    return { resendAfterSeconds: Math.ceil(o.codeResendMs / 1000) };
  }

  /** Checks a code; on success it is used up and a session is opened. */
  async loginWithCode(msisdn: string, code: string, ip: string, rememberDevice = false): Promise<Session> {
    const { kv, options: o, secrets } = this.d;
    await this.limit(`ip:login:m:${ip}`, o.loginPerIpPerMinute, 60_000);
    const id = secrets.numberId(msisdn);
    const failKey = `login:fail:${id}:${beijingDayIndex(this.d.clock.now())}`;
    if (Number((await kv.get(failKey)) ?? 0) >= o.failedChecksPerDay) throw new AppError('TOO_MANY_ATTEMPTS');
    const stored = await kv.get(`code:${id}`);
    if (!stored) throw new AppError('CODE_EXPIRED');
    const sep = stored.lastIndexOf(':');
    const codeId = stored.slice(0, sep);
    const triesKey = `code:tries:${codeId}`;
    if (Number((await kv.get(triesKey)) ?? 0) >= o.codeMaxTries) {
      await kv.del(`code:${id}`);
      throw new AppError('TOO_MANY_ATTEMPTS');
    }
    const given = secrets.mac('code', `${msisdn}:${code}`);
    if (!secrets.equal(given, stored.slice(sep + 1))) {
      const tries = await kv.incr(triesKey, o.codeTtlMs);
      const fails = await kv.incr(failKey, DAY + HOUR);
      if (tries >= o.codeMaxTries) {
        await kv.del(`code:${id}`);
        throw new AppError('TOO_MANY_ATTEMPTS');
      }
      if (fails >= o.failedChecksPerDay) throw new AppError('TOO_MANY_ATTEMPTS');
      throw new AppError('CODE_INVALID');
    }
    // Single use: only the caller that removes this very code gets the session.
    if ((await kv.take(`code:${id}`)) !== stored) throw new AppError('CODE_EXPIRED');
    await kv.del(triesKey);
    return this.openSession(msisdn, rememberDevice);
  }

  /** A returning device skips the code while its token is valid and not revoked. */
  async loginWithDevice(msisdn: string, deviceToken: string, ip: string): Promise<Session> {
    const { kv, secrets, options: o } = this.d;
    await this.limit(`ip:login:m:${ip}`, o.loginPerIpPerMinute, 60_000);
    const rec = await kv.get(`dev:${secrets.tokenKey('device', deviceToken)}`);
    const gen = (await kv.get(`dev:gen:${secrets.numberId(msisdn)}`)) ?? '0';
    if (!rec || !secrets.equal(rec, `${msisdn}:${gen}`)) throw new AppError('UNAUTHENTICATED');
    return this.openSession(msisdn, false);
  }

  private async openSession(msisdn: string, rememberDevice: boolean): Promise<Session> {
    const { kv, secrets, options: o, clock } = this.d;
    const token = Secrets.token();
    await kv.set(this.sessionKey(token), msisdn, o.sessionTtlMs);
    const s: Session = { token, expiresAt: formatBeijing(clock.now() + o.sessionTtlMs) };
    if (rememberDevice) {
      const deviceToken = Secrets.token();
      const gen = (await kv.get(`dev:gen:${secrets.numberId(msisdn)}`)) ?? '0';
      await kv.set(`dev:${secrets.tokenKey('device', deviceToken)}`, `${msisdn}:${gen}`, o.deviceTtlMs);
      s.deviceToken = deviceToken;
    }
    return s;
  }

  /** The number a session token belongs to. */
  async sessionNumber(token: string | undefined): Promise<string> {
    if (!token) throw new AppError('UNAUTHENTICATED');
    const key = this.keys.get(token) ?? this.sessionKey(token);
    // Kept in process only while logouts elsewhere can reach this process.
    const s = this.unsubscribe
      ? await this.sessions.get(key, this.sessionLoader(key), isSession)
      : await this.readSession(key, false);
    if (!s) throw new AppError('UNAUTHENTICATED');
    if (this.unsubscribe && !this.keys.has(token)) {
      if (this.keys.size >= MAX_CACHED_SESSIONS) this.keys.clear();
      this.keys.set(token, key);
    }
    return s.msisdn;
  }

  /**
   * The number of a session this process has cached, without I/O or a promise
   * (the itinerary route's hot path); undefined when it is not cached, and then
   * `sessionNumber` decides. A session ended anywhere is gone from the cache.
   */
  cachedSessionNumber(token: string | undefined): string | undefined {
    if (!token || !this.unsubscribe) return undefined;
    const key = this.keys.get(token);
    if (key === undefined) return undefined;
    return this.sessions.cached(key, this.sessionLoader(key), isSession)?.value?.msisdn;
  }

  private sessionKey(token: string): string {
    return `sess:${this.d.secrets.tokenKey('session', token)}`;
  }

  private sessionLoader(key: string): () => Promise<CachedSession | null> {
    return () => this.readSession(key, true);
  }

  private async readSession(key: string, withEnd: boolean): Promise<CachedSession | null> {
    const msisdn = await this.d.kv.get(key);
    if (!msisdn) return null;
    if (!withEnd) return { msisdn, endsAt: Number.POSITIVE_INFINITY };
    const left = await this.d.kv.ttl(key);
    if (left === -2) return null;
    return { msisdn, endsAt: left >= 0 ? this.d.clock.now() + left : Number.POSITIVE_INFINITY };
  }

  async logout(token: string): Promise<void> {
    const key = this.sessionKey(token);
    await this.d.kv.del(key);
    this.sessions.delete(key);
    this.keys.delete(token);
    await this.d.kv.publish(SESSION_ENDED, key);
  }

  /** Forgets one device token. */
  async revokeDevice(deviceToken: string): Promise<void> {
    await this.d.kv.del(`dev:${this.d.secrets.tokenKey('device', deviceToken)}`);
  }

  /** Invalidates every device token of the number at once. */
  async revokeAllDevices(msisdn: string): Promise<void> {
    await this.d.kv.incr(`dev:gen:${this.d.secrets.numberId(msisdn)}`);
  }
}
