// The audit trail: every consent and every itinerary read (and the office's
// decisions), with the subject masked. Consents are also kept as records.
import { randomUUID } from 'node:crypto';
import { isStorageUnavailable, type Spool, type Sql } from '@itinerary-card/store';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
}

/** An entry as written, and as kept in the spool while the database is down. */
export interface KeyedAuditEntry extends AuditEntry {
  /** Idempotency key: written twice, stored once. */
  key: string;
}

const INSERT_AUDIT = `INSERT INTO hc_audit (at, actor, action, subject, detail, spool_key)
  SELECT to_timestamp(t / 1000.0), a, ac, s, d::jsonb, k
  FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x(t, a, ac, s, d, k, i)
  ORDER BY i
  ON CONFLICT (spool_key) DO NOTHING`;

/** Writes entries in order, each once (by key). */
export async function insertAuditEntries(sql: Sql, entries: readonly KeyedAuditEntry[]): Promise<void> {
  await sql.query(INSERT_AUDIT, [
    entries.map((e) => e.at),
    entries.map((e) => e.actor),
    entries.map((e) => e.action),
    entries.map((e) => e.subject),
    entries.map((e) => JSON.stringify(e.detail ?? {})),
    entries.map((e) => e.key),
  ]);
}

export class AuditLog {
  private spool: Spool<KeyedAuditEntry> | undefined;

  constructor(private readonly sql: Sql) {}

  /** Entries that cannot be written (the database is down) wait in `spool` (its deliver: insertAuditEntries). */
  useSpool(spool: Spool<KeyedAuditEntry>): void {
    this.spool = spool;
  }

  /**
   * Resolves once the entry is stored, or, with the database down, kept in the
   * spool on disk; fails (STORAGE_UNAVAILABLE) only when neither can take it.
   */
  async record(e: AuditEntry): Promise<void> {
    const keyed = { ...e, key: randomUUID() };
    try {
      await insertAuditEntries(this.sql, [keyed]);
    } catch (err) {
      if (!this.spool || !isStorageUnavailable(err)) throw err;
      await this.spool.append([keyed]);
    }
  }

  async recent(limit: number, action?: string): Promise<AuditEntry[]> {
    const rows = await this.sql.query<{ at: Date; actor: string; action: string; subject: string; detail: unknown }>(
      `SELECT at, actor, action, subject, detail FROM hc_audit ${action ? 'WHERE action = $2' : ''} ORDER BY id DESC LIMIT $1`,
      action ? [limit, action] : [limit],
    );
    return rows.map((r) => ({
      at: new Date(r.at).getTime(),
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
    }));
  }
}

export class ConsentRepo {
  constructor(private readonly sql: Sql) {}

  async insert(c: { id: string; phone: string; purpose: string; grantedAt: number }): Promise<void> {
    await this.sql.query('INSERT INTO hc_consents (id, phone, purpose, granted_at) VALUES ($1,$2,$3,$4)', [
      c.id,
      c.phone,
      c.purpose,
      new Date(c.grantedAt),
    ]);
  }

  async linkPartner(id: string, partnerConsentId: string, expiresAt: string): Promise<void> {
    await this.sql.query('UPDATE hc_consents SET partner_consent_id = $2, expires_at = $3 WHERE id = $1', [
      id,
      partnerConsentId,
      new Date(expiresAt),
    ]);
  }

  async countFor(phone: string): Promise<number> {
    const r = await this.sql.query<{ n: string | number }>('SELECT count(*) AS n FROM hc_consents WHERE phone = $1', [
      phone,
    ]);
    return Number(r[0]?.n ?? 0);
  }
}
