// Turns what a person typed into a mainland number or the API.md error.
import { AppError, checkPhone } from '@itinerary-card/domain';

export function phoneOrThrow(input: unknown): string {
  const r = checkPhone(input);
  if (r.ok) return r.msisdn;
  throw new AppError(r.reason === 'overseas' ? 'UNSUPPORTED_NUMBER' : 'INVALID_PHONE');
}

export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}
