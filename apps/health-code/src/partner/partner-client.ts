// The platform's partner API as the health-code system sees it (TEAM-CONTRACTS.md):
// a token, a consent record, then the 14-day itinerary under that consent.
import { AppError, ERROR_TABLE, type ErrorCode } from '@itinerary-card/domain';

/** The API.md itinerary body. */
export interface ItineraryAnswer {
  phone: string;
  updatedAt: string;
  windowDays: number;
  windowStart: string;
  windowEnd: string;
  cities: Array<{ code: string; province: string; city: string; risk?: boolean }>;
  countries: Array<{ code: string; name: string }>;
  notes?: unknown[];
}

export interface PartnerClient {
  grantConsent(phone: string, purpose: string, grantedAt: string): Promise<{ consentId: string; expiresAt: string }>;
  itinerary(phone: string, consentId: string): Promise<ItineraryAnswer>;
}

export interface HttpPartnerOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Epoch ms source for the token cache. */
  now: () => number;
  fetch?: typeof fetch;
}

/** Turns the platform's error body into our AppError; anything else is QUERY_FAILED. */
async function failure(res: Response): Promise<AppError> {
  let code: string | undefined;
  try {
    code = ((await res.json()) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  if (code && code in ERROR_TABLE && code !== 'INTERNAL')
    return new AppError(code as ErrorCode, {}, { cause: new Error(`partner API ${res.status}`) });
  return new AppError('QUERY_FAILED', {}, { cause: new Error(`partner API ${res.status} ${code ?? ''}`) });
}

export function createHttpPartnerClient(o: HttpPartnerOptions): PartnerClient {
  const f = o.fetch ?? fetch;
  let token: { value: string; expiresAt: number } | null = null;

  async function call(path: string, body: unknown, bearer?: string): Promise<Response> {
    try {
      return await f(`${o.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (e) {
      throw new AppError('QUERY_FAILED', {}, { cause: e });
    }
  }

  async function accessToken(force = false): Promise<string> {
    if (!force && token && token.expiresAt - 30_000 > o.now()) return token.value;
    const res = await call('/api/v1/partner/token', { clientId: o.clientId, clientSecret: o.clientSecret });
    if (!res.ok) {
      const err = await failure(res);
      // Our own credentials were refused: a configuration problem, shown to the user as a query failure.
      throw err.code === 'QUERY_FAILED' ? err : new AppError('QUERY_FAILED', {}, { cause: err });
    }
    const b = (await res.json()) as { accessToken: string; expiresAt: string };
    token = { value: b.accessToken, expiresAt: Date.parse(b.expiresAt) };
    return b.accessToken;
  }

  async function authed(path: string, body: unknown): Promise<Response> {
    let res = await call(path, body, await accessToken());
    if (res.status === 401) res = await call(path, body, await accessToken(true));
    return res;
  }

  return {
    async grantConsent(phone, purpose, grantedAt) {
      const res = await authed('/api/v1/partner/consents', { phone, purpose, grantedAt });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as { consentId: string; expiresAt: string };
    },
    async itinerary(phone, consentId) {
      const res = await authed('/api/v1/partner/itinerary', { phone, days: 14, consentId });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as ItineraryAnswer;
    },
  };
}
