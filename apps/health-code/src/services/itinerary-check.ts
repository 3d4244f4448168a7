// The embedded itinerary module (两码合一): with the holder's authorisation, proven
// by the SMS code the platform sends to the holder's number, record the consent,
// query the number's 14-day itinerary through the platform's partner API, audit
// the read, and answer "疫区旅居史" against the city's list. The result is kept
// briefly under an id so the form that submits it cannot alter it.
import { randomBytes } from 'node:crypto';
import { AppError, type Clock, formatBeijing, isAppError, maskPhone } from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import type { KeyValue } from '@itinerary-card/store';
import type { PartnerClient } from '../partner/partner-client.ts';
import type { AuditLog, ConsentRepo } from '../repositories/audit-log.ts';
import { type AreaHit, type ItinerarySummary, matchItinerary } from '../rules/epidemic-areas.ts';
import type { AreaList } from './area-list.ts';

export type CheckPurpose = 'register' | 'edit' | 'checkin';
const CHECK_TTL_MS = 30 * 60_000;

/** The purpose the platform names in the owner's SMS and records with the consent. */
function purposeText(purpose: CheckPurpose, codeName: string): string {
  if (purpose === 'register') return `${codeName}申领`;
  if (purpose === 'edit') return `${codeName}信息修改`;
  return `${codeName}扫码打卡`;
}

/** The SMS code the holder received from the platform for this check. */
export interface GrantProof {
  requestId: string;
  code: string;
}

export interface ItineraryCheck {
  checkId: string;
  phone: string;
  consentId: string;
  itinerary: ItinerarySummary;
  hits: AreaHit[];
  epidemicSojourn: boolean;
}

function summarise(a: ItineraryAnswer): ItinerarySummary {
  return {
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    updatedAt: a.updatedAt,
    cities: a.cities.map((c) => ({ code: c.code, province: c.province, city: c.city })),
    countries: a.countries.map((c) => ({ code: c.code, name: c.name })),
  };
}

export class ItineraryCheckService {
  constructor(
    private readonly partner: PartnerClient,
    private readonly kv: KeyValue,
    private readonly consents: ConsentRepo,
    private readonly audit: AuditLog,
    private readonly areas: AreaList,
    private readonly clock: Clock,
    private readonly itineraryCardUrl: string,
    private readonly codeName = '昌通码',
  ) {}

  /** Asks the platform to send the holder the code that proves their authorisation. */
  async requestCode(phone: string, purpose: CheckPurpose): Promise<{ requestId: string; resendAfterSeconds: number }> {
    try {
      return await this.partner.requestGrantCode(phone, purposeText(purpose, this.codeName));
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('QUERY_FAILED', {}, { cause: e });
      throw new AppError(err.code, { ...err.details, itineraryCardUrl: this.itineraryCardUrl }, { cause: e });
    }
  }

  async check(phone: string, purpose: CheckPurpose, authorised: boolean, proof?: GrantProof): Promise<ItineraryCheck> {
    if (!authorised) throw new AppError('CONSENT_REQUIRED');
    if (!proof) throw new AppError('CONSENT_PROOF_REQUIRED');
    const text = purposeText(purpose, this.codeName);
    // The holder's code first: a wrong one is typed again and records nothing.
    const { grant } = await this.partner.confirmGrant(phone, text, proof.requestId, proof.code);
    const now = this.clock.now();
    const id = randomBytes(12).toString('base64url');
    const masked = maskPhone(phone);
    await this.consents.insert({ id, phone, purpose, grantedAt: now });
    await this.audit.record({
      at: now,
      actor: 'holder',
      action: 'consent.granted',
      subject: masked,
      detail: { consent: id, purpose },
    });
    let answer: ItineraryAnswer;
    try {
      const c = await this.partner.grantConsent(phone, text, formatBeijing(now), grant);
      await this.consents.linkPartner(id, c.consentId, c.expiresAt);
      answer = await this.partner.itinerary(phone, c.consentId);
    } catch (e) {
      const code = isAppError(e) ? e.code : 'QUERY_FAILED';
      await this.audit.record({
        at: this.clock.now(),
        actor: 'system',
        action: 'itinerary.read',
        subject: masked,
        detail: { consent: id, purpose, outcome: code },
      });
      // The page links straight to the itinerary card page when the itinerary cannot be had.
      const err = isAppError(e) ? e : new AppError('QUERY_FAILED', {}, { cause: e });
      throw new AppError(err.code, { ...err.details, itineraryCardUrl: this.itineraryCardUrl }, { cause: e });
    }
    const itinerary = summarise(answer);
    const hits = matchItinerary(itinerary, await this.areas.list());
    await this.audit.record({
      at: this.clock.now(),
      actor: 'system',
      action: 'itinerary.read',
      subject: masked,
      detail: {
        consent: id,
        purpose,
        outcome: 'ok',
        cities: itinerary.cities.length,
        countries: itinerary.countries.length,
        epidemicSojourn: hits.length > 0,
      },
    });
    const result: ItineraryCheck = {
      checkId: id,
      phone,
      consentId: id,
      itinerary,
      hits,
      epidemicSojourn: hits.length > 0,
    };
    await this.kv.set(`hc:chk:${id}`, JSON.stringify(result), CHECK_TTL_MS);
    return result;
  }

  /** A check made by this holder within the last 30 minutes. */
  async take(checkId: string, phone: string): Promise<ItineraryCheck> {
    const raw = /^[A-Za-z0-9_-]{16}$/.test(checkId) ? await this.kv.get(`hc:chk:${checkId}`) : null;
    const c = raw ? (JSON.parse(raw) as ItineraryCheck) : undefined;
    if (!c || c.phone !== phone) throw new AppError('ITINERARY_CHECK_EXPIRED');
    return c;
  }
}
