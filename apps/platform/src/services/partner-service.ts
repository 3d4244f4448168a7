// The partner API's rules: client credentials → short-lived access token; a
// consent record names the owner, the purpose and the time, and carries the
// owner's proof (a one-time grant from the owner's SMS confirmation, see
// partner-grants.ts); a read needs a live consent of this partner for this
// number. Partners are rate-limited overall and per number. Every step is audited.
import { AppError, type Clock, formatBeijing, type WindowDays } from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import type { KeyValue, Sql } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import type { AuditLog } from '../repositories/audit-log.ts';
import type { Partners } from '../repositories/partners.ts';
import type { ItineraryService } from './itinerary-service.ts';
import { PartnerGrants } from './partner-grants.ts';
import { Secrets } from './secrets.ts';
import type { SmsSender } from './sms-sender.ts';

export interface PartnerServiceDeps {
  sql: Sql;
  kv: KeyValue;
  clock: Clock;
  secrets: Secrets;
  partners: Partners;
  audit: AuditLog;
  itinerary: ItineraryService;
  sms: SmsSender;
  options: Pick<
    PlatformOptions,
    | 'partnerTokenTtlMs'
    | 'consentTtlMs'
    | 'clockSkewMs'
    | 'codeTtlMs'
    | 'codeResendMs'
    | 'codeMaxTries'
    | 'partnerCodesPerNumberPerHour'
    | 'partnerCodesPerNumberPerDay'
    | 'partnerGrantTtlMs'
    | 'partnerPerMinute'
    | 'partnerReadsPerNumberPerHour'
  >;
}

export class PartnerService {
  private readonly grants: PartnerGrants;

  constructor(private readonly d: PartnerServiceDeps) {
    this.grants = new PartnerGrants(d);
  }

  /** Every partner call counts against the partner's overall limit. */
  private async limit(key: string, max: number, windowMs: number): Promise<void> {
    if ((await this.d.kv.incr(key, windowMs)) > max) {
      throw new AppError('TOO_MANY_REQUESTS', {
        retryAfterSeconds: Math.max(1, Math.ceil((await this.d.kv.ttl(key)) / 1000)),
      });
    }
  }

  private overall(clientId: string): Promise<void> {
    return this.limit(`plim:m:${clientId}`, this.d.options.partnerPerMinute, 60_000);
  }

  /** Sends the owner an SMS code that confirms this partner's request (the owner's proof). */
  async requestGrantCode(clientId: string, msisdn: string, purpose: string) {
    await this.overall(clientId);
    const name = (await this.d.partners.nameOf(clientId)) ?? clientId;
    return this.grants.requestCode(clientId, name, msisdn, purpose);
  }

  /** The owner's code (typed on the partner's page) for a one-time grant bound to partner, number and purpose. */
  async confirmGrant(clientId: string, msisdn: string, purpose: string, requestId: string, code: string) {
    await this.overall(clientId);
    return this.grants.confirm(clientId, msisdn, purpose, requestId, code);
  }

  async issueToken(clientId: string, clientSecret: string): Promise<{ accessToken: string; expiresAt: string }> {
    const ok = await this.d.partners.authenticate(clientId, clientSecret);
    await this.d.audit.write({
      actorType: 'partner',
      actor: clientId.slice(0, 64),
      action: 'partner.token',
      outcome: ok ? 'ok' : 'UNAUTHENTICATED',
    });
    if (!ok) throw new AppError('UNAUTHENTICATED');
    const token = Secrets.token();
    const ttl = this.d.options.partnerTokenTtlMs;
    await this.d.kv.set(`ptok:${this.d.secrets.tokenKey('partner', token)}`, clientId, ttl);
    return { accessToken: token, expiresAt: formatBeijing(this.d.clock.now() + ttl) };
  }

  /** The partner a bearer token belongs to (still registered and not revoked). */
  async partnerOf(token: string | undefined): Promise<string> {
    if (!token) throw new AppError('UNAUTHENTICATED');
    const clientId = await this.d.kv.get(`ptok:${this.d.secrets.tokenKey('partner', token)}`);
    if (!clientId || !(await this.d.partners.isActive(clientId))) throw new AppError('UNAUTHENTICATED');
    return clientId;
  }

  async recordConsent(
    clientId: string,
    msisdn: string,
    purpose: string,
    grantedAt: number,
    grant: string | undefined,
  ): Promise<{ consentId: string; expiresAt: string }> {
    await this.overall(clientId);
    const now = this.d.clock.now();
    if (grantedAt > now + this.d.options.clockSkewMs) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
    const expiresAt = grantedAt + this.d.options.consentTtlMs;
    if (expiresAt <= now) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
    // The owner's proof: without it a partner could record a consent for anyone.
    try {
      if (!grant) throw new AppError('CONSENT_PROOF_REQUIRED');
      await this.grants.redeem(clientId, msisdn, purpose, grant);
    } catch (e) {
      this.d.audit.record({
        actorType: 'partner',
        actor: clientId,
        action: 'consent.record',
        msisdn,
        outcome: (e as AppError).code ?? 'INTERNAL',
        detail: { purpose },
      });
      throw e;
    }
    const consent = await this.d.sql.transaction(async (tx) => {
      const c = await this.d.partners.addConsent({ clientId, msisdn, purpose, grantedAt, expiresAt }, tx);
      await this.d.audit.write(
        {
          actorType: 'partner',
          actor: clientId,
          action: 'consent.record',
          msisdn,
          outcome: 'ok',
          detail: { consentId: c.id, purpose, grantedAt: formatBeijing(grantedAt) },
        },
        tx,
      );
      return c;
    });
    return { consentId: consent.id, expiresAt: formatBeijing(consent.expiresAt) };
  }

  async revokeConsent(clientId: string, consentId: string): Promise<void> {
    const done = await this.d.sql.transaction(async (tx) => {
      const ok = await this.d.partners.revokeConsent(consentId, clientId, tx);
      if (ok) {
        await this.d.audit.write(
          { actorType: 'partner', actor: clientId, action: 'consent.revoke', outcome: 'ok', detail: { consentId } },
          tx,
        );
      }
      return ok;
    });
    if (!done) throw new AppError('NOT_FOUND');
  }

  async itinerary(clientId: string, msisdn: string, days: WindowDays, consentId: string): Promise<ItineraryAnswer> {
    await this.overall(clientId);
    await this.limit(
      `plim:r:${clientId}:${this.d.secrets.numberId(msisdn)}`,
      this.d.options.partnerReadsPerNumberPerHour,
      3_600_000,
    );
    const c = await this.d.partners.consent(consentId);
    const now = this.d.clock.now();
    if (!c || c.clientId !== clientId || c.msisdn !== msisdn || c.revokedAt !== undefined || c.expiresAt <= now) {
      this.d.audit.record({
        actorType: 'partner',
        actor: clientId,
        action: `itinerary.read.${days}`,
        msisdn,
        outcome: 'CONSENT_REQUIRED',
        detail: { channel: 'partner', consentId },
      });
      throw new AppError('CONSENT_REQUIRED');
    }
    return this.d.itinerary.query(msisdn, { days, channel: 'partner', actor: clientId, consentId });
  }
}
