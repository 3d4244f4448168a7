// Calls the query platform's JSON API (API.md). Every failure becomes an
// ApiError with the platform's stable code and user-facing message; a network
// failure or timeout gets the local code NETWORK_ERROR.
import { ApiError, send } from './http.ts';

export { ApiError };

import { currentLang } from './lang.ts';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const NETWORK_MESSAGE = {
  zh: '数据查询异常，请检查网络连接后重试。',
  en: 'Data query error: please check your network connection and try again.',
};

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const lang = currentLang();
  let res: Response;
  try {
    res = await send(path, { ...options, lang });
  } catch {
    throw new ApiError('NETWORK_ERROR', NETWORK_MESSAGE[lang], 0);
  }
  let payload: unknown;
  try {
    payload = await res.json();
  } catch {
    payload = undefined;
  }
  if (res.ok && (payload !== undefined || res.status === 204)) return payload as T;
  throw fromResponse(res, payload, lang);
}

function fromResponse(res: Response, payload: unknown, lang: 'zh' | 'en'): ApiError {
  const body = (payload ?? {}) as { error?: Record<string, unknown> } & Record<string, unknown>;
  const err = body.error ?? {};
  const { code, message, ...rest } = err;
  const details: Record<string, unknown> = { ...rest };
  const retryHeader = res.headers.get('Retry-After');
  if (details.retryAfterSeconds === undefined && body.retryAfterSeconds !== undefined) {
    details.retryAfterSeconds = body.retryAfterSeconds;
  }
  if (details.retryAfterSeconds === undefined && retryHeader) details.retryAfterSeconds = Number(retryHeader);
  if (typeof code === 'string' && typeof message === 'string') return new ApiError(code, message, res.status, details);
  // Not the platform's error body (a proxy page, a crash): never show raw text.
  return new ApiError(res.status >= 500 ? 'QUERY_FAILED' : 'NETWORK_ERROR', NETWORK_MESSAGE[lang], res.status, details);
}

/** Any failure as an ApiError; something unexpected is shown as a query error, never as raw text. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  console.error(err);
  return new ApiError('NETWORK_ERROR', NETWORK_MESSAGE[currentLang()], 0);
}
