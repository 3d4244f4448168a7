// Offline verification of the city's signed codes in the browser: the published
// key set (cached, so it keeps working without a network) and the one CT1
// verifier the server uses too (packages/domain/src/signed-code.ts).
import { CodeVerifier, extractToken, type VenueKind, type VerifyFailure, type VerifyKey } from '@itinerary-card/domain';

const CACHE_KEY = 'health-code.jwks';

export interface KeySet {
  keys: VerifyKey[];
  fetchedAt: number;
}

export type Verified =
  | {
      ok: true;
      type: 'person';
      colour: 'green' | 'yellow' | 'red';
      maskedName: string;
      iat: number;
      exp: number;
      kid: string;
      /** false: the holder skipped the itinerary check (行程未核验); absent: a code signed before the flag. */
      itineraryVerified?: boolean;
    }
  | { ok: true; type: 'venue'; kind: VenueKind; name: string; id: string; iat: number; kid: string }
  | { ok: false; reason: VerifyFailure };

export function cachedKeys(): KeySet | null {
  try {
    const raw = localStorage.getItem(CACHE_KEY);
    return raw ? (JSON.parse(raw) as KeySet) : null;
  } catch {
    return null;
  }
}

/** Downloads the key set; on failure (offline) the cached one is used. */
export async function loadKeys(url: string, force = false): Promise<KeySet | null> {
  const cached = cachedKeys();
  if (cached && !force && Date.now() - cached.fetchedAt < 5 * 60_000) return cached;
  try {
    const res = await fetch(url, { cache: force ? 'reload' : 'default' });
    if (!res.ok) return cached;
    const set: KeySet = { keys: ((await res.json()) as { keys: VerifyKey[] }).keys, fetchedAt: Date.now() };
    try {
      localStorage.setItem(CACHE_KEY, JSON.stringify(set));
    } catch {
      // No storage: verification still works for this page view.
    }
    return set;
  } catch {
    return cached;
  }
}

/** One verifier per downloaded key set (it keeps the imported keys). */
const verifiers = new WeakMap<KeySet, CodeVerifier>();

/** Checks a scanned code offline, with the verifier the server uses, and says what staff may see. */
export async function verifyCode(text: string, keys: KeySet, nowMs: number): Promise<Verified> {
  const token = extractToken(text);
  if (!token) return { ok: false, reason: 'malformed' };
  let verifier = verifiers.get(keys);
  if (!verifier) {
    verifier = new CodeVerifier(keys.keys);
    verifiers.set(keys, verifier);
  }
  const r = await verifier.verify(token, nowMs);
  if (!r.ok) return r;
  const p = r.payload;
  if (p.t === 'V') return { ok: true, type: 'venue', kind: p.kind, name: p.name, id: p.id, iat: p.iat, kid: p.kid };
  const colour = p.colour === 'g' ? 'green' : p.colour === 'y' ? 'yellow' : 'red';
  const v: Verified = { ok: true, type: 'person', colour, maskedName: p.name, iat: p.iat, exp: p.exp, kid: p.kid };
  if (p.itinerary) v.itineraryVerified = p.itinerary === 'v';
  return v;
}
