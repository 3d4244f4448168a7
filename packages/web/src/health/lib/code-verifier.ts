// Offline verification of the city's signed codes in the browser: the published
// key set (cached, so it keeps working without a network) and WebCrypto Ed25519.
// Format (see apps/health-code/src/signing/code-token.ts):
//   CT1.<base64url(JSON array payload)>.<base64url(Ed25519 signature)>
const CACHE_KEY = 'health-code.jwks';
const SKEW_S = 30;

export interface Jwk {
  kid: string;
  x: string;
  nbf: number;
  signUntil?: number;
}
export interface KeySet {
  keys: Jwk[];
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
  | { ok: true; type: 'venue'; kind: string; name: string; id: string; iat: number; kid: string }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'signature' | 'expired' | 'not_yet_valid' | 'unsupported' };

function b64url(s: string): Uint8Array<ArrayBuffer> {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const out = new Uint8Array(new ArrayBuffer(b.length));
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

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
    const set: KeySet = { keys: ((await res.json()) as { keys: Jwk[] }).keys, fetchedAt: Date.now() };
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

export function extractToken(text: string): string | null {
  const t = text.trim();
  if (t.startsWith('CT1.')) return t;
  const m = /[?&#]c=(CT1\.[A-Za-z0-9_.-]+)/.exec(t);
  return m ? m[1]! : null;
}

export async function verifyCode(text: string, keys: KeySet, nowMs: number): Promise<Verified> {
  const token = extractToken(text);
  if (!token) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]{86}$/.test(parts[2]!))
    return { ok: false, reason: 'malformed' };
  let a: unknown[];
  try {
    a = JSON.parse(new TextDecoder().decode(b64url(parts[1]!)));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(a) || typeof a[1] !== 'string' || typeof a[2] !== 'number')
    return { ok: false, reason: 'malformed' };
  const jwk = keys.keys.find((k) => k.kid === a[1]);
  if (!jwk) return { ok: false, reason: 'unknown_key' };
  let good: boolean;
  try {
    const key = await crypto.subtle.importKey('raw', b64url(jwk.x), { name: 'Ed25519' }, false, ['verify']);
    good = await crypto.subtle.verify(
      { name: 'Ed25519' },
      key,
      b64url(parts[2]!),
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
  } catch {
    return { ok: false, reason: 'unsupported' };
  }
  if (!good) return { ok: false, reason: 'signature' };
  const iat = a[2] as number;
  if (iat < jwk.nbf || (jwk.signUntil !== undefined && iat > jwk.signUntil)) return { ok: false, reason: 'signature' };
  const now = nowMs / 1000;
  if (iat > now + SKEW_S) return { ok: false, reason: 'not_yet_valid' };
  if (a[0] === 'P' && (a.length === 7 || (a.length === 8 && (a[7] === 'v' || a[7] === 'u')))) {
    const exp = a[3] as number;
    if (now > exp) return { ok: false, reason: 'expired' };
    const colour = a[4] === 'g' ? 'green' : a[4] === 'y' ? 'yellow' : 'red';
    const v: Verified = { ok: true, type: 'person', colour, maskedName: String(a[5]), iat, exp, kid: jwk.kid };
    if (a.length === 8) v.itineraryVerified = a[7] === 'v';
    return v;
  }
  if (a[0] === 'V' && a.length === 6)
    return { ok: true, type: 'venue', kind: String(a[3]), name: String(a[4]), id: String(a[5]), iat, kid: jwk.kid };
  return { ok: false, reason: 'malformed' };
}
