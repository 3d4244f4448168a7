// Registered partners (health-code systems) with client credentials, and the
// consent records that let a partner read one person's itinerary.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { formatBeijing } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export interface Partner {
  clientId: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
}

export interface Consent {
  id: string;
  clientId: string;
  msisdn: string;
  purpose: string;
  grantedAt: number;
  expiresAt: number;
  revokedAt?: number;
}

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function checkSecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(got, expected);
}

export class Partners {
  constructor(private readonly sql: Sql) {}

  /** Registers a partner; returns the secret, which is stored only as a hash. */
  async register(
    clientId: string,
    name: string,
    tx: Sql,
    secret = randomBytes(24).toString('base64url'),
  ): Promise<{ clientId: string; clientSecret: string }> {
    await tx.query(
      `INSERT INTO partners (client_id, name, secret_hash) VALUES ($1, $2, $3)
       ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name, secret_hash = EXCLUDED.secret_hash, revoked_at = NULL`,
      [clientId, name, await hashSecret(secret)],
    );
    return { clientId, clientSecret: secret };
  }

  async revoke(clientId: string, tx: Sql): Promise<boolean> {
    const rows = await tx.query('UPDATE partners SET revoked_at = now() WHERE client_id = $1 RETURNING client_id', [
      clientId,
    ]);
    return rows.length > 0;
  }

  async list(): Promise<Partner[]> {
    const rows = await this.sql.query<{ client_id: string; name: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT client_id, name, created_at, revoked_at FROM partners ORDER BY client_id',
    );
    return rows.map((r) => ({
      clientId: r.client_id,
      name: r.name,
      createdAt: formatBeijing(new Date(r.created_at).getTime()),
      ...(r.revoked_at ? { revokedAt: formatBeijing(new Date(r.revoked_at).getTime()) } : {}),
    }));
  }

  /** True when the credentials belong to an active partner. */
  async authenticate(clientId: string, secret: string): Promise<boolean> {
    const rows = await this.sql.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM partners WHERE client_id = $1 AND revoked_at IS NULL',
      [clientId],
    );
    // Hash even for an unknown client so timing does not tell which ids exist.
    const stored = rows[0]?.secret_hash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const ok = await checkSecret(secret, stored);
    return ok && rows.length > 0;
  }

  /** The partner's display name (named in the owner's confirmation SMS). */
  async nameOf(clientId: string): Promise<string | undefined> {
    const rows = await this.sql.query<{ name: string }>('SELECT name FROM partners WHERE client_id = $1', [clientId]);
    return rows[0]?.name;
  }

  async isActive(clientId: string): Promise<boolean> {
    const rows = await this.sql.query('SELECT 1 FROM partners WHERE client_id = $1 AND revoked_at IS NULL', [clientId]);
    return rows.length > 0;
  }

  async addConsent(c: Omit<Consent, 'id'>, tx: Sql): Promise<Consent> {
    const id = randomBytes(16).toString('base64url');
    await tx.query(
      `INSERT INTO consents (id, client_id, msisdn, purpose, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, c.clientId, c.msisdn, c.purpose, new Date(c.grantedAt).toISOString(), new Date(c.expiresAt).toISOString()],
    );
    return { id, ...c };
  }

  async consent(id: string): Promise<Consent | undefined> {
    const rows = await this.sql.query<{
      id: string;
      client_id: string;
      msisdn: string;
      purpose: string;
      granted_at: Date;
      expires_at: Date;
      revoked_at: Date | null;
    }>('SELECT id, client_id, msisdn, purpose, granted_at, expires_at, revoked_at FROM consents WHERE id = $1', [id]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      clientId: r.client_id,
      msisdn: r.msisdn,
      purpose: r.purpose,
      grantedAt: new Date(r.granted_at).getTime(),
      expiresAt: new Date(r.expires_at).getTime(),
      ...(r.revoked_at ? { revokedAt: new Date(r.revoked_at).getTime() } : {}),
    };
  }

  async revokeConsent(id: string, clientId: string, tx: Sql): Promise<boolean> {
    const rows = await tx.query(
      'UPDATE consents SET revoked_at = now() WHERE id = $1 AND client_id = $2 AND revoked_at IS NULL RETURNING id',
      [id, clientId],
    );
    return rows.length > 0;
  }
}
