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

export function errorMessage(code: ErrorCode, lang: Lang): string {
  const row = ERROR_TABLE[code];
  return lang === 'en' ? row.en : row.zh;
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
