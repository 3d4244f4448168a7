// Keyed hashes for what the apps keep at rest: codes, session and device
// tokens, and the numbers used inside key names (no full number in Redis keys).
// Shared by the platform and the health-code system.
import { createHmac, createSecretKey, hash, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

export class Secrets {
  /** The key imported once: an HMAC keyed by a string imports it again on every call. */
  private readonly macKey: KeyObject;

  constructor(private readonly key: string) {
    this.macKey = createSecretKey(Buffer.from(key, 'utf8'));
  }

  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.macKey).update(`${purpose}\0${value}`).digest('base64url');
  }

  /**
   * Storage key of a random bearer token (session, device, partner): 256 random
   * bits need no key, and a plain SHA-256 is several times cheaper than an HMAC
   * on the per-request path.
   */
  tokenKey(purpose: string, token: string): string {
    return hash('sha256', `${purpose}\0${token}`, 'base64url');
  }

  /**
   * A short, stable, keyed id of a number for key names (so Redis never holds
   * the number in a key). Only a name, never checked as a MAC: a one-shot
   * SHA-256 over key and number is enough and cheaper than an HMAC.
   */
  numberId(msisdn: string): string {
    return this.keyId('msisdn', msisdn);
  }

  /** The same kind of keyed id for anything else a key name holds (a client address). */
  keyId(kind: string, value: string): string {
    return hash('sha256', `${this.key}\0${kind}\0${value}`, 'base64url').slice(0, 22);
  }

  equal(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }

  static token(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }
}
