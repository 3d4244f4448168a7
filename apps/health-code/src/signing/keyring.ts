// The city's Ed25519 signing keys with rotation and overlap. Each key has a
// not-before (it is published before it signs, so cached verifiers know it) and a
// sign-until (set when its successor takes over); codes signed while a key was
// current keep verifying: personal codes until they expire, venue posters until
// the key is revoked. A standby key is published but signs nothing until it is
// promoted (at a rotation, or at once when the key in force is revoked), so
// cached verifiers already know whichever key signs next.
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import {
  AppError,
  type CodePayload,
  CodeVerifier,
  type PersonPayload,
  signedPart,
  type VenuePayload,
  type VerifyKey,
  type VerifyResult,
} from '@itinerary-card/domain';

export type UnsignedPayload = Omit<PersonPayload, 'kid' | 'iat'> | Omit<VenuePayload, 'kid' | 'iat'>;

export interface KeyRecord {
  kid: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  /** Absent when this process only verifies. */
  privateKey?: KeyObject;
  nbf: number;
  signUntil: number | null;
  /** Published, not signing: promoted when the signing key is rotated or revoked. */
  standby?: boolean;
}

export interface PublicKeyJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  kid: string;
  x: string;
  use: 'sig';
  /** Epoch seconds: the key signs codes issued from nbf until signUntil (absent: still current). */
  nbf: number;
  signUntil?: number;
  /** Present on the standby key: it signs nothing yet. */
  standby?: true;
}

export function generateKeyRecord(nbf: number, standby = false): KeyRecord {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid: randomBytes(6).toString('base64url'),
    publicKey: Buffer.from(jwk.x!, 'base64url'),
    privateKey,
    nbf,
    signUntil: null,
    ...(standby ? { standby: true } : {}),
  };
}

/** A key as verifiers see it in the published key set (epoch seconds). */
function verifyKey(r: KeyRecord): VerifyKey {
  const k: VerifyKey = { kid: r.kid, x: r.publicKey.toString('base64url'), nbf: Math.floor(r.nbf / 1000) };
  if (r.signUntil !== null) k.signUntil = Math.ceil(r.signUntil / 1000);
  return k;
}

export class Keyring {
  private readonly byKid = new Map<string, KeyRecord>();
  /** The same verifier the browser pages use, on the same key set they download. */
  private readonly verifier: CodeVerifier;

  constructor(records: readonly KeyRecord[]) {
    for (const rec of records) this.byKid.set(rec.kid, rec);
    this.verifier = new CodeVerifier(records.map(verifyKey));
  }

  has(kid: string): boolean {
    return this.byKid.has(kid);
  }

  records(): KeyRecord[] {
    return [...this.byKid.values()];
  }

  /** The key that signs at `now`: in force, with a private key, not standby, the newest such. */
  signingKey(now: number): KeyRecord | undefined {
    let best: KeyRecord | undefined;
    for (const rec of this.byKid.values()) {
      if (!rec.privateKey || rec.standby || rec.nbf > now || (rec.signUntil !== null && rec.signUntil <= now)) continue;
      if (!best || rec.nbf > best.nbf) best = rec;
    }
    return best;
  }

  /** Signs a payload (its kid and iat are set here). */
  sign(payload: UnsignedPayload, now: number): string {
    const key = this.signingKey(now);
    if (!key?.privateKey) throw new AppError('SIGNING_UNAVAILABLE');
    const body = signedPart({ ...payload, kid: key.kid, iat: Math.floor(now / 1000) } as CodePayload);
    return `${body}.${sign(null, Buffer.from(body), key.privateKey).toString('base64url')}`;
  }

  /** Verifies a code as every verifier does (signature, the key's signing period, expiry). */
  verify(token: string, now: number): Promise<VerifyResult> {
    return this.verifier.verify(token, now);
  }

  /** The published key set (JWKS-like). */
  jwks(): { keys: PublicKeyJwk[] } {
    const keys = this.records()
      .sort((a, b) => Number(a.standby === true) - Number(b.standby === true) || a.nbf - b.nbf)
      .map((r) => {
        const { kid, x, nbf, signUntil } = verifyKey(r);
        const j: PublicKeyJwk = { kty: 'OKP', crv: 'Ed25519', kid, x, use: 'sig', nbf };
        if (signUntil !== undefined) j.signUntil = signUntil;
        if (r.standby) j.standby = true;
        return j;
      });
    return { keys };
  }
}

/** Rebuilds a private key from its PKCS#8 DER (as stored). */
export function privateKeyFromDer(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
