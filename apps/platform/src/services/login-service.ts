// Login by SMS code: the codes and their limits are the shared rule of
// packages/store (LoginCodes: counted before compared, a code dies after its
// tries, growing back-offs, never a day's lock). Sessions and revocable device
// tokens ("二次登录无需验证") live in the same key-value store; a session
// belongs to its number's device generation, so "revoke all devices" ends the
// number's sessions too, and logging out forgets the device it came from.
import { AppError, type Clock, formatBeijing } from '@itinerary-card/domain';
import { type KeyValue, type LoginCodeLimits, LoginCodes, RefreshingCache } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import { Secrets } from './secrets.ts';
import type { SmsSender } from './sms-sender.ts';

type LoginOptions = LoginCodeLimits & Pick<PlatformOptions, 'sessionTtlMs' | 'deviceTtlMs' | 'sessionCacheMs'>;

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

function codeSmsText(code: string, minutes: number): string {
  return `【通信行程卡】您的验证码为${code}，${minutes}分钟内有效，请勿泄露给他人。`;
}

interface CachedSession {
  msisdn: string;
  /** When the session ends in the store (epoch ms). */
  endsAt: number;
  /** The number's keyed id and the device generation the session belongs to. */
  id: string;
  gen: number;
}

/**
 * Channel on which a process announces an ended session (its storage key) to
 * the others, or a number's new device generation (`gen\t<keyed id>\t<gen>`:
 * every session of an older one has ended).
 */
const SESSION_ENDED = 'session-ended';
const NEW_GENERATION = 'gen\t';
const MAX_CACHED_SESSIONS = 200_000;
const isSession = (s: CachedSession | null) => s !== null;

/** A session's stored value: the number, its device generation, and the device key it came with (or ''). */
const sessionValue = (msisdn: string, gen: string, deviceKey: string) => `${msisdn}\t${gen}\t${deviceKey}`;

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
  /** The latest device generation announced per number (keyed id), so cached older sessions end at once. */
  private readonly generations = new Map<string, number>();
  private readonly codes: LoginCodes;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly d: LoginServiceDeps) {
    this.sessions = new RefreshingCache({
      ttlMs: d.options.sessionCacheMs,
      now: () => d.clock.now(),
      maxEntries: MAX_CACHED_SESSIONS,
      endsAt: (s) => s?.endsAt,
    });
    this.codes = new LoginCodes({ kv: d.kv, now: () => d.clock.now(), secrets: d.secrets, limits: d.options });
  }

  /**
   * Listens for sessions ended by any process, so cached sessions end at once
   * everywhere; without the listener no session is cached.
   */
  async start(): Promise<void> {
    if (this.d.options.sessionCacheMs <= 0 || this.unsubscribe) return;
    this.unsubscribe = await this.d.kv.subscribe(
      SESSION_ENDED,
      (message) => this.heard(message),
      () => this.sessions.clear(),
    );
  }

  private heard(message: string): void {
    if (!message.startsWith(NEW_GENERATION)) {
      this.sessions.delete(message);
      return;
    }
    const [, id = '', gen = '0'] = message.split('\t');
    if (this.generations.size >= MAX_CACHED_SESSIONS) {
      // Forgetting generations could let an ended session be answered from memory: forget those too.
      this.generations.clear();
      this.sessions.clear();
    }
    this.generations.set(id, Math.max(Number(gen), this.generations.get(id) ?? 0));
  }

  /** A cached session still stands unless its number's devices were all revoked since it was loaded. */
  private stands(s: CachedSession | null | undefined): s is CachedSession {
    return !!s && s.gen >= (this.generations.get(s.id) ?? 0);
  }

  async stop(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    this.sessions.clear();
    this.keys.clear();
    await u?.();
  }

  /**
   * Sends a code. The answer is the same whether or not the number is anyone's
   * subscriber: nothing here looks the number up.
   */
  async requestCode(msisdn: string, ip: string): Promise<{ resendAfterSeconds: number }> {
    const o = this.d.options;
    const issued = await this.codes.issue(msisdn, ip);
    try {
      // The network gives up when the code expires: a phone switched on later gets no dead code.
      await this.d.sms.send({
        to: msisdn,
        text: codeSmsText(issued.code, Math.round(o.codeTtlMs / 60_000)),
        validityMs: o.codeTtlMs,
      });
    } catch (err) {
      // The code never reached the user: forget it and let them retry at once.
      await issued.withdraw();
      this.d.log.warn({ err: (err as Error).message }, 'sms send failed');
      throw new AppError('SMS_SEND_FAILED', {}, { cause: err });
    }
    return { resendAfterSeconds: issued.resendAfterSeconds };
  }

  /** Checks a code; on success it is used up and a session is opened. */
  async loginWithCode(msisdn: string, code: string, ip: string, rememberDevice = false): Promise<Session> {
    await this.codes.check(msisdn, code, ip);
    return this.openSession(msisdn, rememberDevice ? 'new' : undefined);
  }

  /** A returning device skips the code while its token is valid and not revoked. */
  async loginWithDevice(msisdn: string, deviceToken: string, ip: string): Promise<Session> {
    const { kv, secrets, options: o } = this.d;
    const gate = await kv.consume([
      { key: `ip:login:m:${secrets.keyId('ip', ip)}`, max: o.loginPerIpPerMinute, ttlMs: 60_000 },
    ]);
    if (!gate.ok)
      throw new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(gate.ttlMs / 1000)) });
    const deviceKey = secrets.tokenKey('device', deviceToken);
    const rec = await kv.get(`dev:${deviceKey}`);
    const gen = await this.generation(msisdn);
    if (!rec || !secrets.equal(rec, `${msisdn}:${gen}`)) throw new AppError('UNAUTHENTICATED');
    return this.openSession(msisdn, deviceKey);
  }

  private generation(msisdn: string): Promise<string> {
    return this.d.kv.get(`dev:gen:${this.d.secrets.numberId(msisdn)}`).then((g) => g ?? '0');
  }

  /** `device`: 'new' makes a device token; a device key ties the session to the device it came from. */
  private async openSession(msisdn: string, device: 'new' | string | undefined): Promise<Session> {
    const { kv, secrets, options: o, clock } = this.d;
    const token = Secrets.token();
    const gen = await this.generation(msisdn);
    const s: Session = { token, expiresAt: formatBeijing(clock.now() + o.sessionTtlMs) };
    let deviceKey = device ?? '';
    if (device === 'new') {
      const deviceToken = Secrets.token();
      deviceKey = secrets.tokenKey('device', deviceToken);
      await kv.set(`dev:${deviceKey}`, `${msisdn}:${gen}`, o.deviceTtlMs);
      s.deviceToken = deviceToken;
    }
    await kv.set(this.sessionKey(token), sessionValue(msisdn, gen, deviceKey), o.sessionTtlMs);
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
    if (!this.stands(s)) {
      this.sessions.delete(key);
      throw new AppError('UNAUTHENTICATED');
    }
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
    const s = this.sessions.cached(key, this.sessionLoader(key), isSession)?.value;
    return this.stands(s) ? s.msisdn : undefined;
  }

  private sessionKey(token: string): string {
    return `sess:${this.d.secrets.tokenKey('session', token)}`;
  }

  private sessionLoader(key: string): () => Promise<CachedSession | null> {
    return () => this.readSession(key, true);
  }

  private async readSession(key: string, withEnd: boolean): Promise<CachedSession | null> {
    const raw = await this.d.kv.get(key);
    if (!raw) return null;
    const [msisdn = '', gen = '0'] = raw.split('\t');
    // A session of an older device generation ended when all devices were revoked.
    if (gen !== (await this.generation(msisdn))) return null;
    const s = { msisdn, id: this.d.secrets.numberId(msisdn), gen: Number(gen), endsAt: Number.POSITIVE_INFINITY };
    if (!withEnd) return s;
    const left = await this.d.kv.ttl(key);
    if (left === -2) return null;
    if (left >= 0) s.endsAt = this.d.clock.now() + left;
    return s;
  }

  /**
   * Ends a session, and forgets the device it came with (a logged-out device
   * must give the SMS code again) and `deviceToken` when given. Nothing is
   * required to be valid: a stale session still gets its device forgotten.
   */
  async logout(token: string | undefined, deviceToken?: string): Promise<void> {
    const { kv } = this.d;
    if (token) {
      const key = this.sessionKey(token);
      const raw = await kv.take(key);
      const deviceKey = raw?.split('\t')[2];
      if (deviceKey) await kv.del(`dev:${deviceKey}`);
      this.sessions.delete(key);
      this.keys.delete(token);
      await kv.publish(SESSION_ENDED, key);
    }
    if (deviceToken) await this.revokeDevice(deviceToken);
  }

  /** Forgets one device token. */
  async revokeDevice(deviceToken: string): Promise<void> {
    await this.d.kv.del(`dev:${this.d.secrets.tokenKey('device', deviceToken)}`);
  }

  /** Invalidates every device token of the number at once, and ends every session of the number. */
  async revokeAllDevices(msisdn: string): Promise<void> {
    const id = this.d.secrets.numberId(msisdn);
    const gen = await this.d.kv.incr(`dev:gen:${id}`);
    const message = `${NEW_GENERATION}${id}\t${gen}`;
    if (this.unsubscribe) this.heard(message); // here at once; the others as soon as Redis delivers
    await this.d.kv.publish(SESSION_ENDED, message);
  }
}
