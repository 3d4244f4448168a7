// Registered venues (units, residential communities, vehicles, checkpoints) and their signed codes.
import type { Sql } from '@itinerary-card/store';
import type { VenueKind } from '../signing/code-token.ts';

export interface Venue {
  id: string;
  kind: VenueKind;
  name: string;
  address: string;
  ownerPhone: string;
  token: string;
  createdAt: number;
}

interface Row {
  id: string;
  kind: VenueKind;
  name: string;
  address: string;
  owner_phone: string;
  token: string;
  created_at: Date;
}

const toVenue = (r: Row): Venue => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  address: r.address,
  ownerPhone: r.owner_phone,
  token: r.token,
  createdAt: new Date(r.created_at).getTime(),
});

export class VenueRepo {
  constructor(private readonly sql: Sql) {}

  async insert(v: Venue): Promise<void> {
    await this.sql.query(
      'INSERT INTO hc_venues (id, kind, name, address, owner_phone, token, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [v.id, v.kind, v.name, v.address, v.ownerPhone, v.token, new Date(v.createdAt)],
    );
  }

  async byId(id: string): Promise<Venue | undefined> {
    const rows = await this.sql.query<Row>(
      'SELECT id, kind, name, address, owner_phone, token, created_at FROM hc_venues WHERE id = $1',
      [id],
    );
    return rows[0] ? toVenue(rows[0]) : undefined;
  }

  async byOwner(phone: string): Promise<Venue[]> {
    const rows = await this.sql.query<Row>(
      'SELECT id, kind, name, address, owner_phone, token, created_at FROM hc_venues WHERE owner_phone = $1 ORDER BY created_at',
      [phone],
    );
    return rows.map(toVenue);
  }
}
