// The compact signed code format shared by personal codes and venue codes, in the
// spirit of the EU Digital COVID Certificate but smaller: a JSON array payload,
// base64url, and an Ed25519 signature, like a JWS with a fixed header.
//   CT1.<base64url(payload)>.<base64url(signature over "CT1.<base64url(payload)>")>
// Personal: ["P", kid, iat, exp, colour g|y|r, masked name, holder ref, itinerary v|u] (times in epoch
//           seconds; the last element, optional, says whether an authorised itinerary check backs the
//           colour (v) or the holder skipped it (u); codes signed before it existed have 7 elements)
// Venue:    ["V", kid, iat, kind, venue name, venue id]
export const TOKEN_PREFIX = 'CT1';

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

export function payloadToArray(p: CodePayload): unknown[] {
  if (p.t === 'V') return ['V', p.kid, p.iat, p.kind, p.name, p.id];
  const a: unknown[] = ['P', p.kid, p.iat, p.exp, p.colour, p.name, p.ref];
  if (p.itinerary) a.push(p.itinerary);
  return a;
}

/** Parses the array form; undefined when it is not a well-formed payload. */
export function payloadFromArray(a: unknown): CodePayload | undefined {
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

/** Splits a token into its signed part, payload and signature; undefined when malformed. */
export function splitToken(token: string): { signed: string; payload: CodePayload; sig: Buffer } | undefined {
  if (token.length > 2000) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]{86}$/.test(parts[2]!)) return undefined;
  let arr: unknown;
  try {
    arr = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const payload = payloadFromArray(arr);
  if (!payload) return undefined;
  return { signed: `${parts[0]}.${parts[1]}`, payload, sig: Buffer.from(parts[2]!, 'base64url') };
}

/** Finds a token in what a scanner read: the bare token, or a URL carrying it in `c=`. */
export function extractToken(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith(`${TOKEN_PREFIX}.`)) return t;
  const m = /[?&#]c=(CT1\.[A-Za-z0-9_.-]+)/.exec(t);
  return m ? m[1] : undefined;
}
