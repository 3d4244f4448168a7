// Citizens log in with their mobile number and a one-time SMS code; sessions
// live in the key-value store so any replica can serve them.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { AppError, type Clock, checkPhone } from '@itinerary-card/domain';
import type { KeyValue } from '@itinerary-card/store';

export interface SmsSender {
  send(msg: { to: string; text: string }): Promise<{ id: string }>;
}

export interface Session {
  phone: string;
  /** Set once the person holds a code, so check-ins need no database read. */
  personId?: string;
  maskedName?: string;
}

const CODE_TTL_MS = 5 * 60_000;
const RESEND_MS = 60_000;
const MAX_ATTEMPTS = 5;
const SESSION_TTL_MS = 7 * 86_400_000;

export class AuthService {
  constructor(
    private readonly kv: KeyValue,
    private readonly sms: SmsSender,
    private readonly clock: Clock,
    private readonly codeName: string,
  ) {}

  static phoneOf(input: unknown): string {
    const c = checkPhone(input);
    if (!c.ok) throw new AppError(c.reason === 'overseas' ? 'UNSUPPORTED_NUMBER' : 'INVALID_PHONE');
    return c.msisdn;
  }

  async sendCode(input: unknown): Promise<{ resendAfterSeconds: number }> {
    const phone = AuthService.phoneOf(input);
    if (!(await this.kv.setNx(`hc:sms:gap:${phone}`, '1', RESEND_MS))) {
      const ttl = await this.kv.ttl(`hc:sms:gap:${phone}`);
      throw new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.kv.set(`hc:sms:code:${phone}`, code, CODE_TTL_MS);
    await this.kv.del(`hc:sms:att:${phone}`);
    try {
      await this.sms.send({
        to: phone,
        text: `【${this.codeName}】您的验证码是${code}，5分钟内有效。请勿泄露给他人。`,
      });
    } catch (e) {
      await this.kv.del(`hc:sms:gap:${phone}`);
      throw new AppError('SMS_SEND_FAILED', {}, { cause: e });
    }
    return { resendAfterSeconds: RESEND_MS / 1000 };
  }

  async login(
    input: unknown,
    code: unknown,
    personOf: (phone: string) => Promise<Session>,
  ): Promise<{ token: string; expiresAt: number; session: Session }> {
    const phone = AuthService.phoneOf(input);
    const stored = await this.kv.get(`hc:sms:code:${phone}`);
    if (stored === null) throw new AppError('CODE_EXPIRED');
    if ((await this.kv.incr(`hc:sms:att:${phone}`, CODE_TTL_MS)) > MAX_ATTEMPTS) {
      await this.kv.del(`hc:sms:code:${phone}`);
      throw new AppError('TOO_MANY_ATTEMPTS');
    }
    const given = Buffer.from(String(code ?? ''));
    const want = Buffer.from(stored);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new AppError('CODE_INVALID');
    await this.kv.del(`hc:sms:code:${phone}`);
    const session = await personOf(phone);
    const token = randomBytes(24).toString('base64url');
    await this.kv.set(`hc:sess:${token}`, JSON.stringify(session), SESSION_TTL_MS);
    return { token, expiresAt: this.clock.now() + SESSION_TTL_MS, session };
  }

  async session(authorization: string | undefined): Promise<{ token: string; session: Session }> {
    const m = /^Bearer ([A-Za-z0-9_-]{20,64})$/.exec(authorization ?? '');
    if (!m) throw new AppError('UNAUTHENTICATED');
    const raw = await this.kv.get(`hc:sess:${m[1]}`);
    if (raw === null) throw new AppError('UNAUTHENTICATED');
    return { token: m[1]!, session: JSON.parse(raw) as Session };
  }

  async updateSession(token: string, session: Session): Promise<void> {
    const ttl = await this.kv.ttl(`hc:sess:${token}`);
    if (ttl > 0) await this.kv.set(`hc:sess:${token}`, JSON.stringify(session), ttl);
  }
}
