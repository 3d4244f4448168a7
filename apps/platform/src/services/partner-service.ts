// The partner API's rules: client credentials → short-lived access token; a
// consent record names the owner, the purpose and the time; a read needs a
// live consent of this partner for this number. Every step is audited.
import { AppError, type Clock, formatBeijing, type WindowDays } from '@itinerary-card/domain';
import type { KeyValue, Sql } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import type { AuditLog } from '../repositories/audit-log.ts';
import type { Partners } from '../repositories/partners.ts';
import type { ItineraryAnswer, ItineraryService } from './itinerary-service.ts';
import { Secrets } from './secrets.ts';

export interface PartnerServiceDeps {
  sql: Sql;
  kv: KeyValue;
  clock: Clock;
  secrets: Secrets;
  partners: Partners;
  audit: AuditLog;
  itinerary: ItineraryService;
  options: Pick<PlatformOptions, 'partnerTokenTtlMs' | 'consentTtlMs' | 'clockSkewMs'>;
}

export class PartnerService {
  constructor(private readonly d: PartnerServiceDeps) {}

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
  ): Promise<{ consentId: string; expiresAt: string }> {
    const now = this.d.clock.now();
    if (grantedAt > now + this.d.options.clockSkewMs) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
    const expiresAt = grantedAt + this.d.options.consentTtlMs;
    if (expiresAt <= now) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
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
