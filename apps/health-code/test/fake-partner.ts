// A partner API double for route tests: answers from a table by number, or with
// an error code, and records every call (the real platform is used in platform.test.ts).
import { AppError, type ErrorCode, formatBeijing } from '@itinerary-card/domain';
import type { ItineraryAnswer, PartnerClient } from '../src/partner/partner-client.ts';

export interface FakePartner extends PartnerClient {
  calls: Array<{ op: 'consent' | 'itinerary'; phone: string; consentId?: string }>;
  answers: Map<string, { cities: Array<[string, string, string]>; countries: Array<[string, string]> } | ErrorCode>;
}

export function fakePartner(windowEnd: number): FakePartner {
  const calls: FakePartner['calls'] = [];
  const answers: FakePartner['answers'] = new Map();
  const consents = new Set<string>();
  let seq = 0;
  return {
    calls,
    answers,
    async grantConsent(phone) {
      calls.push({ op: 'consent', phone });
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
