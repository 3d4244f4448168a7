// Persists the signing keys in SQL so every replica signs with the same keys;
// private keys are sealed with AES-256-GCM under the configured key secret.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';
import { generateKeyRecord, type KeyRecord, Keyring, privateKeyFromDer } from './keyring.ts';

function sealKey(secret: string): Buffer {
  return createHash('sha256').update(`health-code-keys:${secret}`).digest();
}

export function seal(der: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const ct = Buffer.concat([c.update(der), c.final()]);
  return [iv, c.getAuthTag(), ct].map((b) => b.toString('base64')).join('.');
}

export function unseal(text: string, secret: string): Buffer {
  const [iv, tag, ct] = text.split('.').map((s) => Buffer.from(s, 'base64'));
  const d = createDecipheriv('aes-256-gcm', sealKey(secret), iv!);
  d.setAuthTag(tag!);
  return Buffer.concat([d.update(ct!), d.final()]);
}

interface Row {
  kid: string;
  public_key: string;
  private_sealed: string;
  nbf: string | Date;
  sign_until: string | Date | null;
}

const ms = (v: string | Date) => (v instanceof Date ? v.getTime() : Date.parse(v));

export class KeyStore {
  constructor(
    private readonly sql: Sql,
    private readonly secret: string,
  ) {}

  private open(sealed: string) {
    try {
      return privateKeyFromDer(unseal(sealed, this.secret));
    } catch (e) {
      throw new AppError(
        'CONFIG_INVALID',
        { variable: 'HC_KEY_SECRET', reason: 'does not open the stored signing keys' },
        { cause: e },
      );
    }
  }

  async load(): Promise<Keyring> {
    const rows = await this.sql.query<Row>(
      'SELECT kid, public_key, private_sealed, nbf, sign_until FROM hc_signing_keys WHERE revoked_at IS NULL ORDER BY nbf',
    );
    return new Keyring(
      rows.map((r) => ({
        kid: r.kid,
        publicKey: Buffer.from(r.public_key, 'base64url'),
        privateKey: this.open(r.private_sealed),
        nbf: ms(r.nbf),
        signUntil: r.sign_until === null ? null : ms(r.sign_until),
      })),
    );
  }

  private async insert(rec: KeyRecord, now: number): Promise<void> {
    const der = rec.privateKey!.export({ format: 'der', type: 'pkcs8' }) as Buffer;
    await this.sql.query(
      'INSERT INTO hc_signing_keys (kid, public_key, private_sealed, nbf, sign_until, created_at) VALUES ($1, $2, $3, $4, NULL, $5)',
      [rec.kid, rec.publicKey.toString('base64url'), seal(der, this.secret), new Date(rec.nbf), new Date(now)],
    );
  }

  /** Makes sure a key is in force; creates the first one. */
  async ensure(now: number): Promise<Keyring> {
    const ring = await this.load();
    if (ring.signingKey(now)) return ring;
    await this.insert(generateKeyRecord(now), now);
    return this.load();
  }

  /**
   * Starts a rotation: the new key is published now and signs from `now + publishAheadMs`;
   * the current key signs until then. Codes of the old key keep verifying (overlap).
   */
  async rotate(now: number, publishAheadMs: number): Promise<Keyring> {
    const start = now + publishAheadMs;
    await this.sql.transaction(async (tx) => {
      await tx.query('UPDATE hc_signing_keys SET sign_until = $1 WHERE sign_until IS NULL AND revoked_at IS NULL', [
        new Date(start),
      ]);
      const store = new KeyStore(tx, this.secret);
      await store.insert(generateKeyRecord(start), now);
    });
    return this.load();
  }

  /** Withdraws a key: codes it signed stop verifying once verifiers refresh the key set. */
  async revoke(kid: string, now: number): Promise<void> {
    await this.sql.query('UPDATE hc_signing_keys SET revoked_at = $2 WHERE kid = $1', [kid, new Date(now)]);
  }
}
