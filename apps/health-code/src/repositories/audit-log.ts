// The audit trail: every consent and every itinerary read (and the office's
// decisions), with the subject masked. Consents are also kept as records.
import type { Sql } from '@itinerary-card/store';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
}

export class AuditLog {
  constructor(private readonly sql: Sql) {}

  async record(e: AuditEntry): Promise<void> {
    await this.sql.query('INSERT INTO hc_audit (at, actor, action, subject, detail) VALUES ($1,$2,$3,$4,$5)', [
      new Date(e.at),
      e.actor,
      e.action,
      e.subject,
      JSON.stringify(e.detail ?? {}),
    ]);
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
