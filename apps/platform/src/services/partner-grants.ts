// The owner's proof behind a partner's consent: the platform sends the owner an
// SMS code naming the partner and the purpose; the owner gives it to the partner's
// page; the partner exchanges it for a short-lived, one-time grant signed by the
// platform and bound to partner + number + purpose, which recording a consent needs.
// Code requests are limited per number, so a partner cannot flood anyone's phone.
import { randomInt } from 'node:crypto';
import { AppError, beijingDate, type Clock, formatBeijing } from '@itinerary-card/domain';
import type { KeyValue } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import type { AuditLog } from '../repositories/audit-log.ts';
import { Secrets } from './secrets.ts';
import type { SmsSender } from './sms-sender.ts';

const HOUR = 3_600_000;
const GRANT_PREFIX = 'PG1';

export interface PartnerGrantDeps {
  kv: KeyValue;
  clock: Clock;
  secrets: Secrets;
  sms: SmsSender;
  audit: AuditLog;
  options: Pick<
    PlatformOptions,
    | 'codeTtlMs'
    | 'codeResendMs'
    | 'codeMaxTries'
    | 'partnerCodesPerNumberPerHour'
    | 'partnerCodesPerNumberPerDay'
    | 'partnerGrantTtlMs'
  >;
}

interface CodeRequest {
  /** partner */
  c: string;
  /** numberId of the owner */
  n: string;
  /** MAC of the purpose */
  p: string;
  /** MAC of request id, number and code */
  m: string;
}

interface GrantBody {
  c: string;
  n: string;
  p: string;
  exp: number;
  j: string;
}

/** The SMS the owner gets: who asks, for what, and that the code is their consent. */
function grantSmsText(partnerName: string, purpose: string, code: string, minutes: number): string {
  const why = purpose.length > 20 ? `${purpose.slice(0, 20)}…` : purpose;
  return `【通信行程卡】${partnerName.slice(0, 20)}申请查询您14天内的行程（用途：${why}）。同意请在其页面输入授权码${code}，${minutes}分钟内有效；如非本人操作，请勿告知他人。`;
}

export class PartnerGrants {
  constructor(private readonly d: PartnerGrantDeps) {}

  private tooMany(ttlMs: number): AppError {
    return new AppError('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) });
  }

  private purposeMac(clientId: string, purpose: string): string {
    return this.d.secrets.mac('grant-purpose', `${clientId}\0${purpose}`);
  }

  /** Sends the owner a code for this partner and purpose; limited per number whoever asks. */
  async requestCode(
    clientId: string,
    partnerName: string,
    msisdn: string,
    purpose: string,
  ): Promise<{ requestId: string; resendAfterSeconds: number; expiresAt: string }> {
    const { kv, secrets, options: o, clock } = this.d;
    const id = secrets.numberId(msisdn);
    if (!(await kv.setNx(`pg:cool:${id}`, '1', o.codeResendMs))) throw this.tooMany(await kv.ttl(`pg:cool:${id}`));
    const hourKey = `pg:h:${id}`;
    const dayKey = `pg:d:${id}:${beijingDate(clock.now())}`;
    if (Number((await kv.get(hourKey)) ?? 0) >= o.partnerCodesPerNumberPerHour)
      throw this.tooMany(await kv.ttl(hourKey));
    if (Number((await kv.get(dayKey)) ?? 0) >= o.partnerCodesPerNumberPerDay) throw this.tooMany(await kv.ttl(dayKey));
    await kv.incr(hourKey, HOUR);
    await kv.incr(dayKey, 25 * HOUR);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const requestId = Secrets.token(16);
    const req: CodeRequest = {
      c: clientId,
      n: id,
      p: this.purposeMac(clientId, purpose),
      m: secrets.mac('grant-code', `${requestId}:${msisdn}:${code}`),
    };
    await kv.set(`pg:req:${requestId}`, JSON.stringify(req), o.codeTtlMs);
    try {
      await this.d.sms.send({
        to: msisdn,
        text: grantSmsText(partnerName, purpose, code, Math.round(o.codeTtlMs / 60_000)),
      });
    } catch (err) {
      await kv.del(`pg:req:${requestId}`);
      await kv.del(`pg:cool:${id}`);
      throw new AppError('SMS_SEND_FAILED', {}, { cause: err });
    }
    this.d.audit.record({ actorType: 'partner', actor: clientId, action: 'grant.code', msisdn, outcome: 'ok' });
    return {
      requestId,
      resendAfterSeconds: Math.ceil(o.codeResendMs / 1000),
      expiresAt: formatBeijing(clock.now() + o.codeTtlMs),
    };
  }

  /** The owner's code, relayed by the partner, for a one-time grant. */
  async confirm(
    clientId: string,
    msisdn: string,
    purpose: string,
    requestId: string,
    code: string,
  ): Promise<{ grant: string; expiresAt: string }> {
    const { kv, secrets, options: o, clock } = this.d;
    const key = `pg:req:${requestId}`;
    const raw = /^[A-Za-z0-9_-]{16,64}$/.test(requestId) ? await kv.get(key) : null;
    const fail = (code: 'CODE_EXPIRED' | 'CODE_INVALID' | 'TOO_MANY_ATTEMPTS' | 'CONSENT_PROOF_INVALID') => {
      this.d.audit.record({ actorType: 'partner', actor: clientId, action: 'grant.issue', msisdn, outcome: code });
      return new AppError(code);
    };
    if (!raw) throw fail('CODE_EXPIRED');
    const req = JSON.parse(raw) as CodeRequest;
    if (req.c !== clientId || req.n !== secrets.numberId(msisdn) || req.p !== this.purposeMac(clientId, purpose)) {
      throw fail('CONSENT_PROOF_INVALID');
    }
    const tries = await kv.incr(`pg:tries:${requestId}`, o.codeTtlMs);
    if (tries > o.codeMaxTries) {
      await kv.del(key);
      throw fail('TOO_MANY_ATTEMPTS');
    }
    if (!secrets.equal(secrets.mac('grant-code', `${requestId}:${msisdn}:${code}`), req.m)) throw fail('CODE_INVALID');
    // Single use: only the caller that removes this very request gets the grant.
    if ((await kv.take(key)) !== raw) throw fail('CODE_EXPIRED');
    const exp = clock.now() + o.partnerGrantTtlMs;
    const body: GrantBody = { c: clientId, n: req.n, p: req.p, exp, j: Secrets.token(12) };
    const signed = `${GRANT_PREFIX}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
    this.d.audit.record({ actorType: 'partner', actor: clientId, action: 'grant.issue', msisdn, outcome: 'ok' });
    return { grant: `${signed}.${secrets.mac('partner-grant', signed)}`, expiresAt: formatBeijing(exp) };
  }

  /** Checks and uses up a grant for this partner, number and purpose; CONSENT_PROOF_INVALID otherwise. */
  async redeem(clientId: string, msisdn: string, purpose: string, grant: string): Promise<void> {
    const { kv, secrets, clock } = this.d;
    const parts = grant.split('.');
    const invalid = () => new AppError('CONSENT_PROOF_INVALID');
    if (parts.length !== 3 || parts[0] !== GRANT_PREFIX) throw invalid();
    const signed = `${parts[0]}.${parts[1]}`;
    if (!secrets.equal(secrets.mac('partner-grant', signed), parts[2]!)) throw invalid();
    let body: GrantBody;
    try {
      body = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as GrantBody;
    } catch {
      throw invalid();
    }
    const now = clock.now();
    if (
      body.c !== clientId ||
      body.n !== secrets.numberId(msisdn) ||
      body.p !== this.purposeMac(clientId, purpose) ||
      !(body.exp > now)
    ) {
      throw invalid();
    }
    if (!(await kv.setNx(`pg:used:${body.j}`, '1', body.exp - now + 60_000))) throw invalid();
  }
}
