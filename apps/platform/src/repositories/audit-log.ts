// The audit log: every itinerary read (owner, partner, SMS) and every admin
// change. Reads are buffered and written in batches so the query path never
// waits on the database; admin changes are written before the change returns.
import type { Clock } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';

export type ActorType = 'owner' | 'partner' | 'sms' | 'admin' | 'system';

export interface AuditEntry {
  actorType: ActorType;
  /** Masked number, partner client id, or `admin`. */
  actor: string;
  action: string;
  /** The number whose data was read or changed. */
  msisdn?: string;
  /** `ok` or the error code. */
  outcome: string;
  detail?: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: string;
}

/**
 * Rows per INSERT: small when the database shares the event loop (in-process
 * PGlite), large otherwise (a worker thread or a server), where each statement's
 * fixed cost is what matters: 2,000 rows cost about half as much per row as 100.
 */
const CHUNK_ROWS_ON_EVENT_LOOP = 100;
const CHUNK_ROWS = 2000;

/**
 * Buffered rows kept as columns of primitives: entries wait up to a second,
 * and a second's worth of small objects surviving young-generation GCs cost
 * more than writing them.
 */
class Columns {
  at: number[] = [];
  actorType: string[] = [];
  actor: string[] = [];
  action: string[] = [];
  msisdn: Array<string | null> = [];
  outcome: string[] = [];
  detail: string[] = [];

  get length(): number {
    return this.at.length;
  }

  push(e: AuditEntry, at: number): void {
    this.at.push(at);
    this.actorType.push(e.actorType);
    this.actor.push(e.actor);
    this.action.push(e.action);
    this.msisdn.push(e.msisdn ?? null);
    this.outcome.push(e.outcome);
    this.detail.push(e.detail ? JSON.stringify(e.detail) : '{}');
  }

  slice(from: number, to: number): unknown[][] {
    return [
      this.at.slice(from, to),
      this.actorType.slice(from, to),
      this.actor.slice(from, to),
      this.action.slice(from, to),
      this.msisdn.slice(from, to),
      this.outcome.slice(from, to),
      this.detail.slice(from, to),
    ];
  }
}

export class AuditLog {
  private pending = new Columns();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly log: { error(obj: unknown, msg: string): void },
    private readonly batchSize = 5000,
    private readonly flushMs = 1000,
  ) {}

  /** Buffers a read; it reaches the table within `flushMs`. */
  record(entry: AuditEntry): void {
    this.pending.push(entry, this.clock.now());
    if (this.pending.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes one entry now (admin changes), inside the caller's transaction when given. */
  async write(entry: AuditEntry, tx: Sql = this.sql): Promise<void> {
    const one = new Columns();
    one.push(entry, this.clock.now());
    await insert(tx, one.slice(0, 1));
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = new Columns();
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        // An in-process database gets small statements with a yield in between,
        // so it never blocks the event loop for long.
        const chunk = this.sql.onEventLoop ? CHUNK_ROWS_ON_EVENT_LOOP : CHUNK_ROWS;
        for (let i = 0; i < batch.length; i += chunk) {
          await insert(this.sql, batch.slice(i, i + chunk));
          if (this.sql.onEventLoop) await new Promise((r) => setImmediate(r));
        }
      } catch (err) {
        this.log.error({ err, lost: batch.length }, 'audit batch write failed');
      }
    });
    return this.flushing;
  }

  async list(filter: { msisdn?: string; actor?: string; limit?: number } = {}): Promise<AuditRow[]> {
    await this.flush();
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.msisdn) {
      params.push(filter.msisdn);
      where.push(`msisdn = $${params.length}`);
    }
    if (filter.actor) {
      params.push(filter.actor);
      where.push(`actor = $${params.length}`);
    }
    params.push(Math.min(filter.limit ?? 100, 1000));
    const rows = await this.sql.query<{
      id: string | number;
      at: Date;
      actor_type: ActorType;
      actor: string;
      action: string;
      msisdn: string | null;
      outcome: string;
      detail: Record<string, unknown> | string;
    }>(
      `SELECT id, at, actor_type, actor, action, msisdn, outcome, detail FROM audit_log
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      actorType: r.actor_type,
      actor: r.actor,
      action: r.action,
      ...(r.msisdn ? { msisdn: r.msisdn } : {}),
      outcome: r.outcome,
      detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
    }));
  }
}

// One statement per batch with array parameters: cheap to parse and bind,
// whatever the batch size.
async function insert(sql: Sql, columns: unknown[][]): Promise<void> {
  await sql.query(
    `INSERT INTO audit_log (at, actor_type, actor, action, msisdn, outcome, detail)
     SELECT to_timestamp(t / 1000.0), a, b, c, d, e, f
     FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS u(t, a, b, c, d, e, f)`,
    columns,
  );
}
