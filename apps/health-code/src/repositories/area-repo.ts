// The epidemic-area list as the office maintains it.
import type { Sql } from '@itinerary-card/store';
import type { AreaScope, EpidemicArea } from '../rules/epidemic-areas.ts';

interface Row {
  id: string;
  scope: AreaScope;
  code: string;
  name: string;
  effective_from: string;
  effective_to: string | null;
}

export class AreaRepo {
  constructor(private readonly sql: Sql) {}

  async list(): Promise<EpidemicArea[]> {
    const rows = await this.sql.query<Row>(
      'SELECT id, scope, code, name, effective_from::text AS effective_from, effective_to::text AS effective_to FROM hc_epidemic_areas ORDER BY effective_from, id',
    );
    return rows.map((r) => ({
      id: r.id,
      scope: r.scope,
      code: r.code,
      name: r.name,
      from: r.effective_from,
      to: r.effective_to,
    }));
  }

  async insert(a: EpidemicArea, now: number): Promise<void> {
    await this.sql.query(
      'INSERT INTO hc_epidemic_areas (id, scope, code, name, effective_from, effective_to, created_at) VALUES ($1,$2,$3,$4,$5::date,$6::date,$7)',
      [a.id, a.scope, a.code, a.name, a.from, a.to, new Date(now)],
    );
  }

  async setEnd(id: string, to: string | null): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(
      'UPDATE hc_epidemic_areas SET effective_to = $2::date WHERE id = $1 RETURNING id',
      [id, to],
    );
    return rows.length > 0;
  }

  async remove(id: string): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>('DELETE FROM hc_epidemic_areas WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }
}
