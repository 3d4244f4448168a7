// The platform's partner API as the health-code system sees it (TEAM-CONTRACTS.md,
// API.md): a token; the owner's SMS confirmation (the platform sends the code, the
// owner types it on our page) turned into a one-time grant; a consent record that
// carries the grant; then the 14-day itinerary under that consent.
import { AppError, ERROR_TABLE, type ErrorCode } from '@itinerary-card/domain';
import { type ItineraryAnswer, isItineraryAnswer } from '@itinerary-card/domain/wire';

export interface PartnerClient {
  /** The platform sends the owner a code naming us and the purpose. */
  requestGrantCode(phone: string, purpose: string): Promise<{ requestId: string; resendAfterSeconds: number }>;
  /** The owner's code for a one-time grant bound to us, the number and the purpose. */
  confirmGrant(
    phone: string,
    purpose: string,
    requestId: string,
    code: string,
  ): Promise<{ grant: string; expiresAt: string }>;
  grantConsent(
    phone: string,
    purpose: string,
    grantedAt: string,
    grant: string,
  ): Promise<{ consentId: string; expiresAt: string }>;
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
  let details: Record<string, unknown> = {};
  try {
    const { code: c, message: _m, ...rest } = ((await res.json()) as { error?: Record<string, unknown> }).error ?? {};
    code = typeof c === 'string' ? c : undefined;
    // Only what a page may show (e.g. retryAfterSeconds of a 429).
    if (typeof rest.retryAfterSeconds === 'number') details = { retryAfterSeconds: rest.retryAfterSeconds };
  } catch {
    code = undefined;
  }
  if (code && code in ERROR_TABLE && code !== 'INTERNAL')
    return new AppError(code as ErrorCode, details, { cause: new Error(`partner API ${res.status}`) });
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
    async requestGrantCode(phone, purpose) {
      const res = await authed('/api/v1/partner/grants/sms-code', { phone, purpose });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as { requestId: string; resendAfterSeconds: number };
    },
    async confirmGrant(phone, purpose, requestId, code) {
      const res = await authed('/api/v1/partner/grants', { phone, purpose, requestId, code });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as { grant: string; expiresAt: string };
    },
    async grantConsent(phone, purpose, grantedAt, grant) {
      const res = await authed('/api/v1/partner/consents', { phone, purpose, grantedAt, grant });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as { consentId: string; expiresAt: string };
    },
    async itinerary(phone, consentId) {
      const res = await authed('/api/v1/partner/itinerary', { phone, days: 14, consentId });
      if (!res.ok) throw await failure(res);
      // Checked against the one schema: a body that is not the answer is never summarised or kept.
      let body: unknown;
      try {
        body = await res.json();
      } catch (e) {
        throw new AppError('ANSWER_MALFORMED', {}, { cause: e });
      }
      if (!isItineraryAnswer(body)) throw new AppError('ANSWER_MALFORMED');
      return body;
    },
  };
}
