// Privacy by deletion: check-ins are kept 21 days (configurable) and then deleted.
import { type Clock, DAY_MS } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';
import type { AuditLog } from '../repositories/audit-log.ts';

export async function runRetention(
  sql: Sql,
  audit: AuditLog,
  clock: Clock,
  checkinDays: number,
): Promise<{ checkinsDeleted: number }> {
  const now = clock.now();
  const cutoff = new Date(now - checkinDays * DAY_MS);
  const rows = await sql.query<{ n: string | number }>(
    'WITH d AS (DELETE FROM hc_checkins WHERE at < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [cutoff],
    { timeoutMs: 0 }, // a day's check-ins: may take longer than a request's query
  );
  const checkinsDeleted = Number(rows[0]?.n ?? 0);
  await audit.record({
    at: now,
    actor: 'system',
    action: 'retention.run',
    subject: 'hc_checkins',
    detail: { cutoff: cutoff.toISOString(), deleted: checkinsDeleted },
  });
  return { checkinsDeleted };
}
