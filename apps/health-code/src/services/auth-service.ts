// Citizens log in with their mobile number and a one-time SMS code, under the
// platform's rule (LoginCodes in packages/store: limits per code, number and
// client address, growing back-offs, codes kept as MACs, keyed ids in key
// names). Sessions live in the key-value store, under a hash of their token, so
// any replica can serve them; logging out ends one at once everywhere. A replica
// keeps the sessions it used lately in memory (every request of a holder carries
// one): a session ended or changed anywhere is announced over the store's pub/sub
// and dropped from every replica's memory at once.
import { createHmac } from 'node:crypto';
import { AppError, type Clock, checkPhone } from '@itinerary-card/domain';
import {
  DEFAULT_LOGIN_CODE_LIMITS,
  type KeyValue,
  type LoginCodeLimits,
  LoginCodes,
  RefreshingCache,
  Secrets,
} from '@itinerary-card/store';

export interface SmsSender {
  /** validityMs: how long the network may keep trying (SMPP validity_period). */
  send(msg: { to: string; text: string; validityMs?: number }): Promise<{ id: string }>;
}

export interface Session {
  phone: string;
  /** Set once the person holds a code, so check-ins need no database read. */
  personId?: string;
  maskedName?: string;
}

/** A session token as AuthService makes them (Secrets.token: base64url). */
const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;

/** Long enough to show the code at a checkpoint without logging in each time; logout ends it. */
const SESSION_TTL_MS = 7 * 86_400_000;

/** Channel on which a replica announces a session ended or changed (its storage key): the others drop it. */
const SESSION_CHANGED = 'hc:session-changed';
const MAX_CACHED_SESSIONS = 200_000;

/** A session as kept in memory: what it says, and when it ends in the store (epoch ms). */
interface CachedSession {
  session: Session;
  endsAt: number;
}

const isSession = (s: CachedSession | null) => s !== null;

export class AuthService {
  private readonly codes: LoginCodes;
  /** Sessions used lately, by storage key (see `start`); never kept past the session's end. */
  private readonly sessions: RefreshingCache<CachedSession | null>;
  /** Storage keys by token: a key is a keyed hash, the costliest step of a cached lookup. */
  private readonly keys = new Map<string, string>();
  private unsubscribe: (() => Promise<void>) | undefined;

  /** The keyed hashes of key names, codes and session tokens: a key derived from the system's secret for this alone. */
  static keyedIds(keySecret: string): Secrets {
    return new Secrets(createHmac('sha256', keySecret).update('health-code keyed ids').digest('base64url'));
  }

  /** `secrets`: keyed hashes under a key of their own (`AuthService.keyedIds`). */
  constructor(
    private readonly kv: KeyValue,
    private readonly sms: SmsSender,
    private readonly clock: Clock,
    private readonly codeName: string,
    private readonly secrets: Secrets,
    private readonly limits: LoginCodeLimits = DEFAULT_LOGIN_CODE_LIMITS,
    /** How long a replica keeps a session in memory (0: every request reads the store). */
    private readonly sessionCacheMs = 0,
  ) {
    this.codes = new LoginCodes({ kv, now: () => clock.now(), secrets: this.secrets, limits, prefix: 'hc:' });
    this.sessions = new RefreshingCache({
      ttlMs: sessionCacheMs,
      now: () => clock.now(),
      maxEntries: MAX_CACHED_SESSIONS,
      endsAt: (s) => s?.endsAt,
    });
  }

  /**
   * Listens for sessions ended or changed by any replica, so none is answered
   * from memory after that; without the listener no session is kept in memory.
   * A gap in the messages (the store's link lost) forgets every kept session.
   */
  async start(): Promise<void> {
    if (this.sessionCacheMs <= 0 || this.unsubscribe) return;
    this.unsubscribe = await this.kv.subscribe(
      SESSION_CHANGED,
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

  static phoneOf(input: unknown): string {
    const c = checkPhone(input);
    if (!c.ok) throw new AppError(c.reason === 'overseas' ? 'UNSUPPORTED_NUMBER' : 'INVALID_PHONE');
    return c.msisdn;
  }

  async sendCode(input: unknown, ip: string): Promise<{ resendAfterSeconds: number }> {
    const phone = AuthService.phoneOf(input);
    const issued = await this.codes.issue(phone, ip);
    try {
      await this.sms.send({
        to: phone,
        text: `【${this.codeName}】您的验证码是${issued.code}，${Math.round(this.limits.codeTtlMs / 60_000)}分钟内有效。请勿泄露给他人。`,
        // A code that expired is no use to a phone switched on later.
        validityMs: this.limits.codeTtlMs,
      });
    } catch (e) {
      await issued.withdraw();
      throw new AppError('SMS_SEND_FAILED', {}, { cause: e });
    }
    return { resendAfterSeconds: issued.resendAfterSeconds };
  }

  async login(
    input: unknown,
    code: unknown,
    ip: string,
    personOf: (phone: string) => Promise<Session>,
  ): Promise<{ token: string; expiresAt: number; session: Session }> {
    const phone = AuthService.phoneOf(input);
    await this.codes.check(phone, String(code ?? ''), ip);
    const session = await personOf(phone);
    return { ...(await this.openSession(session)), session };
  }

  /** A new session for someone whose number is proven. */
  async openSession(session: Session): Promise<{ token: string; expiresAt: number }> {
    const token = Secrets.token(24);
    await this.kv.set(this.sessionKey(token), JSON.stringify(session), SESSION_TTL_MS);
    return { token, expiresAt: this.clock.now() + SESSION_TTL_MS };
  }

  private sessionKey(token: string): string {
    return `hc:sess:${this.secrets.tokenKey('hc-session', token)}`;
  }

  private static tokenOf(authorization: string | undefined): string | undefined {
    // A prefix test and a test of the rest: no match array on every request.
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7);
    return TOKEN.test(token) ? token : undefined;
  }

  /** The session of a bearer header; UNAUTHENTICATED when it has none or it has ended. Never to be changed in place. */
  async session(authorization: string | undefined): Promise<{ token: string; session: Session }> {
    const token = AuthService.tokenOf(authorization);
    if (!token) throw new AppError('UNAUTHENTICATED');
    if (!this.unsubscribe) {
      const raw = await this.kv.get(this.sessionKey(token));
      if (raw === null) throw new AppError('UNAUTHENTICATED');
      return { token, session: JSON.parse(raw) as Session };
    }
    let key = this.keys.get(token);
    if (key === undefined) key = this.sessionKey(token);
    const s = await this.sessions.get(key, () => this.loadSession(key), isSession);
    if (s === null) throw new AppError('UNAUTHENTICATED');
    if (!this.keys.has(token)) {
      if (this.keys.size >= MAX_CACHED_SESSIONS) this.keys.clear();
      this.keys.set(token, key);
    }
    return { token, session: s.session };
  }

  /** A session and its end, read from the store together (one round trip). */
  private async loadSession(key: string): Promise<CachedSession | null> {
    const [raw, left] = await Promise.all([this.kv.get(key), this.kv.ttl(key)]);
    if (raw === null || left === -2) return null;
    return {
      session: JSON.parse(raw) as Session,
      endsAt: left >= 0 ? this.clock.now() + left : Number.POSITIVE_INFINITY,
    };
  }

  async updateSession(token: string, session: Session): Promise<void> {
    const key = this.sessionKey(token);
    const ttl = await this.kv.ttl(key);
    if (ttl > 0) await this.kv.set(key, JSON.stringify(session), ttl);
    await this.changed(key);
  }

  /** Ends the session of the header's token (whether or not it still stands). */
  async logout(authorization: string | undefined): Promise<void> {
    const token = AuthService.tokenOf(authorization);
    if (!token) return;
    const key = this.sessionKey(token);
    await this.kv.del(key);
    this.keys.delete(token);
    await this.changed(key);
  }

  /** Drops a session kept in memory here at once, and in the other replicas as soon as the store delivers. */
  private async changed(key: string): Promise<void> {
    this.sessions.delete(key);
    await this.kv.publish(SESSION_CHANGED, key);
  }
}
