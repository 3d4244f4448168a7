// Persists the signing keys in SQL so every replica signs with the same keys;
// private keys are sealed with AES-256-GCM under the configured key secret.
// A key is in force at every instant: a standby key is always published, a
// rotation promotes it (after the publish-ahead period) and a revocation of the
// key in force promotes it at once; each change makes the next standby.
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
  standby: boolean;
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
      'SELECT kid, public_key, private_sealed, nbf, sign_until, standby FROM hc_signing_keys WHERE revoked_at IS NULL ORDER BY nbf',
    );
    return new Keyring(
      rows.map((r) => ({
        kid: r.kid,
        publicKey: Buffer.from(r.public_key, 'base64url'),
        privateKey: this.open(r.private_sealed),
        nbf: ms(r.nbf),
        signUntil: r.sign_until === null ? null : ms(r.sign_until),
        ...(r.standby ? { standby: true } : {}),
      })),
    );
  }

  private async insert(rec: KeyRecord, now: number): Promise<void> {
    const der = rec.privateKey!.export({ format: 'der', type: 'pkcs8' }) as Buffer;
    await this.sql.query(
      'INSERT INTO hc_signing_keys (kid, public_key, private_sealed, nbf, sign_until, standby, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6)',
      [
        rec.kid,
        rec.publicKey.toString('base64url'),
        seal(der, this.secret),
        new Date(rec.nbf),
        rec.standby === true,
        new Date(now),
      ],
    );
  }

  /**
   * Makes sure a key is in force and a standby key is published; creates what is
   * missing. Serialised across replicas by a lock on the table.
   */
  async ensure(now: number): Promise<Keyring> {
    const ring = await this.load();
    if (ring.signingKey(now) && ring.records().some((k) => k.standby)) return ring;
    await this.sql.transaction(async (tx) => {
      await tx.query('LOCK TABLE hc_signing_keys IN SHARE ROW EXCLUSIVE MODE');
      await new KeyStore(tx, this.secret).repair(now);
    });
    return this.load();
  }

  /** Inside a locked transaction: a key in force (promoting the standby if need be) and a standby. */
  private async repair(now: number): Promise<void> {
    let ring = await this.load();
    if (!ring.signingKey(now)) {
      // The standby signs from now: it was published with its creation time, so every cached key
      // set already vouches for what it signs. Failing that, a published successor starts early.
      const standby = ring.records().find((k) => k.standby);
      const successor = ring
        .records()
        .filter((k) => !k.standby && k.nbf > now)
        .sort((a, b) => a.nbf - b.nbf)[0];
      if (standby) {
        await this.sql.query('UPDATE hc_signing_keys SET standby = false, sign_until = NULL WHERE kid = $1', [
          standby.kid,
        ]);
      } else if (successor) {
        await this.sql.query('UPDATE hc_signing_keys SET nbf = $2 WHERE kid = $1', [successor.kid, new Date(now)]);
      } else {
        await this.insert(generateKeyRecord(now), now);
      }
      ring = await this.load();
    }
    // The key in force signs until its successor starts; without a successor, on and on.
    const current = ring.signingKey(now)!;
    const next = ring
      .records()
      .filter((k) => !k.standby && k.nbf > now)
      .sort((a, b) => a.nbf - b.nbf)[0];
    const until = next ? next.nbf : null;
    if (current.signUntil !== until) {
      await this.sql.query('UPDATE hc_signing_keys SET sign_until = $2 WHERE kid = $1', [
        current.kid,
        until === null ? null : new Date(until),
      ]);
    }
    if (!ring.records().some((k) => k.standby)) await this.insert(generateKeyRecord(now, true), now);
  }

  /**
   * Starts a rotation: the standby key (published since it was made) signs from
   * `now + publishAheadMs`; the current key signs until then, and a new standby is
   * published. Codes of the old key keep verifying (overlap). With `due`, only when it
   * holds of the keys as they are under the lock (null otherwise).
   */
  async rotate(now: number, publishAheadMs: number, due?: (ring: Keyring) => boolean): Promise<Keyring | null> {
    const start = now + publishAheadMs;
    const rotated = await this.sql.transaction(async (tx) => {
      await tx.query('LOCK TABLE hc_signing_keys IN SHARE ROW EXCLUSIVE MODE');
      const store = new KeyStore(tx, this.secret);
      await store.repair(now);
      // Decided under the lock: replicas that all find the key old rotate once.
      if (due && !due(await store.load())) return false;
      await tx.query(
        'UPDATE hc_signing_keys SET sign_until = $1 WHERE sign_until IS NULL AND standby = false AND revoked_at IS NULL',
        [new Date(start)],
      );
      const standby = (await store.load()).records().find((k) => k.standby)!;
      await tx.query('UPDATE hc_signing_keys SET standby = false, nbf = $2 WHERE kid = $1', [
        standby.kid,
        new Date(start),
      ]);
      await store.insert(generateKeyRecord(now, true), now);
      return true;
    });
    return rotated ? this.load() : null;
  }

  /**
   * Withdraws a key: codes it signed stop verifying once verifiers refresh the key
   * set. When it was the key in force, the standby signs from this instant (cached
   * verifiers already hold it) and a new standby is published. Answers whether the
   * key existed and was not already revoked.
   */
  async revoke(kid: string, now: number): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      await tx.query('LOCK TABLE hc_signing_keys IN SHARE ROW EXCLUSIVE MODE');
      const rows = await tx.query<{ kid: string }>(
        'UPDATE hc_signing_keys SET revoked_at = $2 WHERE kid = $1 AND revoked_at IS NULL RETURNING kid',
        [kid, new Date(now)],
      );
      await new KeyStore(tx, this.secret).repair(now);
      return rows.length > 0;
    });
  }
}
