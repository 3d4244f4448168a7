// Which storage failures are an outage (the server is down, unreachable, or too
// slow) rather than a fault of the statement: those become the one documented
// error, STORAGE_UNAVAILABLE (503), so an outage never answers a 500.
import { AppError, isAppError } from '@itinerary-card/domain';

/** Node socket errors: the server is not there or the link broke. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** pg's own messages for a lost, refused or timed-out connection. */
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Client was closed|not queryable|Connection ended/i;

/**
 * True for a PostgreSQL failure that says nothing about the statement: socket
 * errors, SQLSTATE class 08 (connection exception), 57P0x (shutdown, cannot
 * connect now), 53300 (too many connections), 57014 (statement timeout), and
 * pg's connection messages.
 */
export function isSqlOutage(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '57014') return true;
  }
  return PG_MESSAGES.test(e.message);
}

/** True for a Redis failure that is not the server's reply to the command (closed, offline, timed out). */
export function isKeyValueOutage(e: unknown): boolean {
  return e instanceof Error && e.name !== 'ReplyError' && !isAppError(e);
}

/** The documented error for an outage; the original stays as its cause (logged, never sent). */
export function storageUnavailable(cause: unknown): AppError {
  return new AppError('STORAGE_UNAVAILABLE', {}, { cause });
}

/** True for the error an outage becomes. */
export function isStorageUnavailable(e: unknown): boolean {
  return isAppError(e) && e.code === 'STORAGE_UNAVAILABLE';
}
