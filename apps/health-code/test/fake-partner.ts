// A partner API double for route tests: answers from a table by number, or with
// an error code, and records every call (the real platform is used in platform.test.ts).
// Like the platform, it texts the owner a code (into `outbox` when given) and
// records a consent only with the grant that code produced.
import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode, formatBeijing } from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import type { PartnerClient } from '../src/partner/partner-client.ts';

export interface FakePartner extends PartnerClient {
  calls: Array<{ op: 'code' | 'grant' | 'consent' | 'itinerary'; phone: string; consentId?: string }>;
  answers: Map<string, { cities: Array<[string, string, string]>; countries: Array<[string, string]> } | ErrorCode>;
  /** The last code "texted" to the number. */
  lastGrantCode(phone: string): string;
  /** The code sent for a request. */
  codeOf(requestId: string): string;
}

export function fakePartner(
  windowEnd: number,
  outbox?: { send(m: { to: string; text: string }): Promise<unknown> },
): FakePartner {
  const calls: FakePartner['calls'] = [];
  const answers: FakePartner['answers'] = new Map();
  const consents = new Set<string>();
  const requests = new Map<string, { phone: string; purpose: string; code: string }>();
  const codes = new Map<string, string>();
  const grants = new Set<string>();
  let seq = 0;
  return {
    calls,
    answers,
    lastGrantCode(phone) {
      const c = codes.get(phone);
      if (!c) throw new Error(`no grant code sent to ${phone}`);
      return c;
    },
    codeOf(requestId) {
      const r = requests.get(requestId);
      if (!r) throw new Error(`no request ${requestId}`);
      return r.code;
    },
    async requestGrantCode(phone, purpose) {
      calls.push({ op: 'code', phone });
      const code = String(100000 + ((seq * 7919) % 900000));
      const requestId = randomBytes(12).toString('base64url');
      requests.set(requestId, { phone, purpose, code });
      codes.set(phone, code);
      seq++;
      await outbox?.send({
        to: phone,
        text: `【通信行程卡】申请查询您14天内的行程（用途：${purpose}）。授权码${code}`,
      });
      return { requestId, resendAfterSeconds: 60 };
    },
    async confirmGrant(phone, purpose, requestId, code) {
      calls.push({ op: 'grant', phone });
      const r = requests.get(requestId);
      if (!r) throw new AppError('CODE_EXPIRED');
      if (r.phone !== phone || r.purpose !== purpose) throw new AppError('CONSENT_PROOF_INVALID');
      if (r.code !== code) throw new AppError('CODE_INVALID');
      requests.delete(requestId);
      const grant = `G.${phone}.${purpose}.${randomBytes(6).toString('hex')}`;
      grants.add(grant);
      return { grant, expiresAt: formatBeijing(windowEnd) };
    },
    async grantConsent(phone, purpose, _grantedAt, grant) {
      calls.push({ op: 'consent', phone });
      if (!grant) throw new AppError('CONSENT_PROOF_REQUIRED');
      if (!grants.delete(grant) || !grant.startsWith(`G.${phone}.${purpose}.`)) {
        throw new AppError('CONSENT_PROOF_INVALID');
      }
      const id = `C${++seq}`;
      consents.add(`${id}:${phone}`);
      return { consentId: id, expiresAt: formatBeijing(windowEnd + 86_400_000) };
    },
    async itinerary(phone, consentId): Promise<ItineraryAnswer> {
      calls.push({ op: 'itinerary', phone, consentId });
      if (!consents.has(`${consentId}:${phone}`)) throw new AppError('CONSENT_REQUIRED');
      const a = answers.get(phone);
      if (a === undefined) throw new AppError('NO_DATA');
      if (typeof a === 'string') throw new AppError(a);
      return {
        phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
        updatedAt: formatBeijing(windowEnd + 8 * 3_600_000),
        windowDays: 14,
        windowStart: formatBeijing(windowEnd - 14 * 86_400_000),
        windowEnd: formatBeijing(windowEnd),
        cities: a.cities.map(([code, province, city]) => ({ code, province, city, risk: false })),
        countries: a.countries.map(([code, name]) => ({ code, name })),
        notes: [],
      };
    },
  };
}
