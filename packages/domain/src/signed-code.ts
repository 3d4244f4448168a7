// The city's signed codes (CT1): one format and one verifier for the server and
// the browser. WebCrypto's Ed25519 runs in both, so a code is accepted or refused
// for the same reasons wherever it is checked (a guard's phone offline, or the
// server for devices that cannot verify).
//   CT1.<base64url(payload)>.<base64url(Ed25519 signature over "CT1.<base64url(payload)>")>
// Personal: ["P", kid, iat, exp, colour g|y|r, masked name, holder ref, itinerary v|u] (times in epoch
//           seconds; the last element, optional, says whether an authorised itinerary check backs the
//           colour (v) or the holder skipped it (u); codes signed before it existed have 7 elements)
// Venue:    ["V", kid, iat, kind, venue name, venue id]
const TOKEN_PREFIX = 'CT1';
/** Longer texts are refused before any parsing. */
const TOKEN_MAX_LENGTH = 2000;
/** Clock difference tolerated between the signer and a verifier (seconds). */
const SKEW_S = 30;

export type VenueKind = 'unit' | 'community' | 'vehicle' | 'checkpoint';
export const VENUE_KINDS: readonly VenueKind[] = ['unit', 'community', 'vehicle', 'checkpoint'];
export const VENUE_KIND_ZH: Record<VenueKind, string> = {
  unit: '单位码',
  community: '小区码',
  vehicle: '车辆码',
  checkpoint: '昌通核验码',
};

export type ColourLetter = 'g' | 'y' | 'r';
export interface PersonPayload {
  t: 'P';
  kid: string;
  iat: number;
  exp: number;
  colour: ColourLetter;
  name: string;
  ref: string;
  /** v: an authorised itinerary check backs the colour; u: skipped (not authorised or not available). */
  itinerary?: 'v' | 'u';
}
export interface VenuePayload {
  t: 'V';
  kid: string;
  iat: number;
  kind: VenueKind;
  name: string;
  id: string;
}
export type CodePayload = PersonPayload | VenuePayload;

/** A published verification key, as in the key set (JWKS): times in epoch seconds. */
export interface VerifyKey {
  kid: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  x: string;
  /** The key vouches for codes issued from nbf ... */
  nbf: number;
  /** ... until signUntil (absent: still the signing key). */
  signUntil?: number;
}

export type VerifyFailure = 'malformed' | 'unknown_key' | 'signature' | 'expired' | 'not_yet_valid' | 'unsupported';
export type VerifyResult = { ok: true; payload: CodePayload } | { ok: false; reason: VerifyFailure };

function payloadToArray(p: CodePayload): unknown[] {
  if (p.t === 'V') return ['V', p.kid, p.iat, p.kind, p.name, p.id];
  const a: unknown[] = ['P', p.kid, p.iat, p.exp, p.colour, p.name, p.ref];
  if (p.itinerary) a.push(p.itinerary);
  return a;
}

/** Parses the array form; undefined when it is not a well-formed payload. */
function payloadFromArray(a: unknown): CodePayload | undefined {
  if (!Array.isArray(a) || typeof a[1] !== 'string' || !Number.isInteger(a[2])) return undefined;
  if (a[0] === 'P' && (a.length === 7 || a.length === 8)) {
    const [, kid, iat, exp, colour, name, ref, itinerary] = a;
    if (!Number.isInteger(exp) || (colour !== 'g' && colour !== 'y' && colour !== 'r')) return undefined;
    if (typeof name !== 'string' || typeof ref !== 'string') return undefined;
    if (a.length === 8 && itinerary !== 'v' && itinerary !== 'u') return undefined;
    const p: PersonPayload = { t: 'P', kid, iat, exp, colour, name, ref };
    if (itinerary === 'v' || itinerary === 'u') p.itinerary = itinerary;
    return p;
  }
  if (a[0] === 'V' && a.length === 6) {
    const [, kid, iat, kind, name, id] = a;
    if (!VENUE_KINDS.includes(kind) || typeof name !== 'string' || typeof id !== 'string') return undefined;
    return { t: 'V', kid, iat, kind, name, id };
  }
  return undefined;
}

function bytesFromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const out = new Uint8Array(new ArrayBuffer(b.length));
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

function base64urlFromBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The signed part of a code: `CT1.<base64url(payload)>` (the signer appends `.<signature>`). */
export function signedPart(p: CodePayload): string {
  return `${TOKEN_PREFIX}.${base64urlFromBytes(new TextEncoder().encode(JSON.stringify(payloadToArray(p))))}`;
}

/** Splits a token into its signed part, payload and signature; undefined when malformed. */
export function splitToken(
  token: string,
): { signed: string; payload: CodePayload; sig: Uint8Array<ArrayBuffer> } | undefined {
  if (token.length > TOKEN_MAX_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]{86}$/.test(parts[2]!)) return undefined;
  let arr: unknown;
  try {
    arr = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytesFromBase64url(parts[1]!)));
  } catch {
    return undefined;
  }
  const payload = payloadFromArray(arr);
  if (!payload) return undefined;
  return { signed: `${parts[0]}.${parts[1]}`, payload, sig: bytesFromBase64url(parts[2]!) };
}

/** Finds a token in what a scanner read: the bare token, or a URL carrying it in `c=`. */
export function extractToken(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith(`${TOKEN_PREFIX}.`)) return t;
  const m = /[?&#]c=(CT1\.[A-Za-z0-9_.-]+)/.exec(t);
  return m ? m[1] : undefined;
}

/**
 * Verifies codes against a key set. A key vouches only for codes issued while
 * it was the signing key; a personal code is refused after it expires, any code
 * issued in the future (beyond the skew) is not yet valid.
 */
export class CodeVerifier {
  private readonly keys = new Map<string, { key: VerifyKey; crypto?: Promise<CryptoKey> }>();

  constructor(keys: readonly VerifyKey[]) {
    for (const key of keys) this.keys.set(key.kid, { key });
  }

  async verify(token: string, nowMs: number): Promise<VerifyResult> {
    const parts = splitToken(token);
    if (!parts) return { ok: false, reason: 'malformed' };
    const entry = this.keys.get(parts.payload.kid);
    if (!entry) return { ok: false, reason: 'unknown_key' };
    let good: boolean;
    try {
      entry.crypto ??= crypto.subtle.importKey('raw', bytesFromBase64url(entry.key.x), { name: 'Ed25519' }, false, [
        'verify',
      ]);
      good = await crypto.subtle.verify(
        { name: 'Ed25519' },
        await entry.crypto,
        parts.sig,
        new TextEncoder().encode(parts.signed),
      );
    } catch {
      // A browser without Ed25519 in WebCrypto (or a key that is not one).
      entry.crypto = undefined;
      return { ok: false, reason: 'unsupported' };
    }
    if (!good) return { ok: false, reason: 'signature' };
    const p = parts.payload;
    const k = entry.key;
    if (p.iat < k.nbf || (k.signUntil !== undefined && p.iat > k.signUntil)) return { ok: false, reason: 'signature' };
    const nowS = nowMs / 1000;
    if (p.iat > nowS + SKEW_S) return { ok: false, reason: 'not_yet_valid' };
    if (p.t === 'P' && nowS > p.exp) return { ok: false, reason: 'expired' };
    return { ok: true, payload: p };
  }
}
