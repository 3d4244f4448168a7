// Service-to-service tokens (platform → operator node): a compact payload
// {iss, aud, exp} signed with HMAC-SHA256 under a shared secret. Node-only
// (node:crypto), so it is a separate entry point: `@itinerary-card/domain/service-token`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ServiceTokenClaims {
  /** Who signed it (e.g. `platform`). */
  iss: string;
  /** The node id it is for. */
  aud: string;
  /** Expiry, epoch ms. */
  exp: number;
}

export type ServiceTokenCheck =
  | { ok: true; claims: ServiceTokenClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'audience' };

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function signServiceToken(claims: ServiceTokenClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify({ iss: claims.iss, aud: claims.aud, exp: claims.exp })).toString('base64url');
  return `${body}.${sign(body, secret)}`;
}

export function verifyServiceToken(
  token: string,
  opts: { secret: string; audience: string; now: number },
): ServiceTokenCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(body, opts.secret), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: ServiceTokenClaims;
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<ServiceTokenClaims>;
    if (typeof c.iss !== 'string' || typeof c.aud !== 'string' || typeof c.exp !== 'number') {
      return { ok: false, reason: 'malformed' };
    }
    claims = { iss: c.iss, aud: c.aud, exp: c.exp };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.exp <= opts.now) return { ok: false, reason: 'expired' };
  if (claims.aud !== opts.audience) return { ok: false, reason: 'audience' };
  return { ok: true, claims };
}
