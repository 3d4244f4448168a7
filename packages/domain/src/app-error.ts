// The one error type of the project: a stable code, an HTTP status and a
// message in Chinese and English, all kept in ERROR_TABLE.
import { ERROR_TABLE, type ErrorCode } from './error-table.ts';

export type Lang = 'zh' | 'en';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields that go into the response body next to code and message (e.g. retryAfterSeconds). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`${code}: ${ERROR_TABLE[code].en}`, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_TABLE[code].status;
    this.details = details;
  }
}

/**
 * The user-facing message; with `details.retryAfterSeconds` (a limit's answer)
 * it also says how long to wait.
 */
export function errorMessage(code: ErrorCode, lang: Lang, details?: Record<string, unknown>): string {
  const row = ERROR_TABLE[code];
  const text = lang === 'en' ? row.en : row.zh;
  const wait = details?.retryAfterSeconds;
  return typeof wait === 'number' && wait > 0 ? `${text}${waitText(wait, lang)}` : text;
}

/** "Please wait …" in the message's language: seconds, and minutes too past two minutes. */
function waitText(seconds: number, lang: Lang): string {
  const s = Math.ceil(seconds);
  const m = Math.ceil(s / 60);
  if (lang === 'en') return s < 120 ? ` Please wait ${s} seconds.` : ` Please wait ${m} minutes (${s} seconds).`;
  return s < 120 ? `（请${s}秒后再试）` : `（请${m}分钟（${s}秒）后再试）`;
}

/** Picks the response language from an Accept-Language header: Chinese unless English is preferred. */
export function langFromHeader(header: string | undefined): Lang {
  if (!header) return 'zh';
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh';
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
