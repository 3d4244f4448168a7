// Calls the health-code system's JSON API with the holder's session token; every
// failure becomes an ApiError with the stable code and the user-facing message.
import { ApiError, send } from '../../shared/http.ts';

export { ApiError };

const TOKEN_KEY = 'health-code.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode: the session lasts this page view.
  }
}

/** Ends the session on the server (every replica at once) and forgets it here; the local token goes anyway. */
export async function logout(): Promise<void> {
  try {
    await hcFetch('/api/hc/v1/logout', { method: 'POST' });
  } catch {
    // Offline or already ended: nothing more to do than forget it.
  }
  setToken(null);
}

export async function hcFetch(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  let res: Response;
  try {
    res = await send(path, { ...init, token: getToken(), lang: 'zh-CN' });
  } catch {
    throw new ApiError('NETWORK_ERROR', '网络连接异常，请检查网络后重试。', 0);
  }
  if (res.ok) return res;
  let body: { error?: { code?: string; message?: string } & Record<string, unknown> } = {};
  try {
    body = await res.json();
  } catch {
    // Not our error body: a generic message below.
  }
  const { code, message, ...details } = body.error ?? {};
  if (code === 'UNAUTHENTICATED') setToken(null);
  throw new ApiError(code ?? 'INTERNAL', message ?? '系统繁忙，请稍后再试', res.status, details);
}

export async function hcJson<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return (await (await hcFetch(path, init)).json()) as T;
}

export interface HcConfig {
  cityName: string;
  codeName: string;
  itineraryCardUrl: string;
  codeTtlSeconds: number;
  jwksUrl: string;
  serverTime: number;
}

let configPromise: Promise<HcConfig> | undefined;
export function hcConfig(): Promise<HcConfig> {
  configPromise ??= hcJson<HcConfig>('/api/hc/v1/config');
  return configPromise;
}

export interface Reason {
  condition: string;
  zh: string;
  en: string;
}

export interface ItineraryCheck {
  checkId: string;
  phone: string;
  windowDays: number;
  windowStart: string;
  windowEnd: string;
  updatedAt: string;
  cities: Array<{ code: string; province: string; city: string }>;
  countries: Array<{ code: string; name: string }>;
  epidemicSojourn: boolean;
  hits: Array<{ areaName: string; place: string }>;
  /** Only for purpose checkin by a registered holder: the colour the check gives. */
  holder?: HolderNow;
}

export interface Profile {
  personId: string;
  phone: string;
  name: string;
  maskedName: string;
  idNumber: string;
  address: string;
  epidemicSojourn: boolean;
  symptoms: boolean;
  closeContact: boolean;
  colour: 'green' | 'yellow' | 'red';
  reasons: Reason[];
  itinerary: ItinerarySummary | null;
  /** false: no authorised itinerary backs the colour (行程未核验). */
  itineraryVerified: boolean;
  /** The places of the stored itinerary that keep 疫区旅居史 locked to Yes (null: not locked). */
  sojournLock: { hits: Array<{ areaName: string; place: string }> } | null;
}

export interface ItinerarySummary {
  windowStart: string;
  windowEnd: string;
  updatedAt: string;
  cities: Array<{ code: string; province: string; city: string }>;
  countries: Array<{ code: string; name: string }>;
}

/** The holder's colour now (the check-in answer, and an itinerary check made at a check-in). */
export interface HolderNow {
  colour: 'green' | 'yellow' | 'red';
  reasons: Reason[];
  itineraryVerified: boolean;
}

export const COLOUR_ZH = { green: '绿码', yellow: '黄码', red: '红码' } as const;

/** The check-in answer when the colour cannot be read (storage outage): the check-in is taken, the colour is not guessed. */
export interface ColourUnknown {
  colour: null;
  reasons: [];
  itineraryVerified: null;
}

/** Shown on the code, the check-in result and the staff page when no authorised itinerary backs the colour. */
export const UNVERIFIED_ZH = '行程未核验：未授权查询通信行程，码色仅依据本人申报，请结合车票等其他行程证明查验';
