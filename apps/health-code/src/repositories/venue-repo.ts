// Registered venues (units, residential communities, vehicles, checkpoints) and their signed codes.

import type { VenueKind } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';

export interface Venue {
  id: string;
  kind: VenueKind;
  name: string;
  address: string;
  ownerPhone: string;
  token: string;
  createdAt: number;
  /** Set when the poster's code was re-signed (its key was revoked): the printed poster must be replaced. */
  reprintSince: number | null;
  /** Set when the office withdrew the venue's code. */
  revokedAt: number | null;
}

interface Row {
  id: string;
  kind: VenueKind;
  name: string;
  address: string;
  owner_phone: string;
  token: string;
  created_at: Date;
  reprint_since: Date | null;
  revoked_at: Date | null;
}

const toVenue = (r: Row): Venue => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  address: r.address,
  ownerPhone: r.owner_phone,
  token: r.token,
  createdAt: new Date(r.created_at).getTime(),
  reprintSince: r.reprint_since ? new Date(r.reprint_since).getTime() : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at).getTime() : null,
});

const COLS = 'id, kind, name, address, owner_phone, token, created_at, reprint_since, revoked_at';

export class VenueRepo {
  constructor(private readonly sql: Sql) {}

  async insert(v: Venue): Promise<void> {
    await this.sql.query(
      'INSERT INTO hc_venues (id, kind, name, address, owner_phone, token, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [v.id, v.kind, v.name, v.address, v.ownerPhone, v.token, new Date(v.createdAt)],
    );
  }

  async byId(id: string): Promise<Venue | undefined> {
    const rows = await this.sql.query<Row>(`SELECT ${COLS} FROM hc_venues WHERE id = $1`, [id]);
    return rows[0] ? toVenue(rows[0]) : undefined;
  }

  async byOwner(phone: string): Promise<Venue[]> {
    const rows = await this.sql.query<Row>(`SELECT ${COLS} FROM hc_venues WHERE owner_phone = $1 ORDER BY created_at`, [
      phone,
    ]);
    return rows.map(toVenue);
  }

  /** Pages through every venue (re-signing after a key revocation). */
  async page(afterId: string, limit: number): Promise<Venue[]> {
    const rows = await this.sql.query<Row>(`SELECT ${COLS} FROM hc_venues WHERE id > $1 ORDER BY id LIMIT $2`, [
      afterId,
      limit,
    ]);
    return rows.map(toVenue);
  }

  /** A new code for the venue; the printed poster is marked for replacing. */
  async resign(id: string, token: string, at: number): Promise<void> {
    await this.sql.query('UPDATE hc_venues SET token = $2, reprint_since = $3 WHERE id = $1', [
      id,
      token,
      new Date(at),
    ]);
  }

  async clearReprint(id: string): Promise<void> {
    await this.sql.query('UPDATE hc_venues SET reprint_since = NULL WHERE id = $1 AND reprint_since IS NOT NULL', [id]);
  }

  async needingReprint(limit: number): Promise<Venue[]> {
    const rows = await this.sql.query<Row>(
      `SELECT ${COLS} FROM hc_venues WHERE reprint_since IS NOT NULL ORDER BY reprint_since, id LIMIT $1`,
      [limit],
    );
    return rows.map(toVenue);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const rows = await this.sql.query(
      'UPDATE hc_venues SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id, new Date(at)],
    );
    return rows.length > 0;
  }
}
