// Check-ins on the hot path: callers enqueue, and the writer group-commits
// everything that queued while the previous batch was in flight (BatchQueue) as
// one INSERT over unnest() arrays (one statement text, so the server plans it
// once per connection), with a few batches in flight at once.
// Each check-in has a key made before its first write; with the database down a
// batch waits in the local spool (fsynced) and is acknowledged, and is written
// again with the same keys once it is back, so nothing is stored twice.
import { randomBytes } from 'node:crypto';
import { isStorageUnavailable, type Spool, type Sql } from '@itinerary-card/store';
import { BatchQueue } from './batch-queue.ts';

/** A check-in as written, and as kept in the spool. */
export interface CheckinRow {
  venueId: string;
  personId: string;
  at: number;
  /** Idempotency key. */
  key: string;
}

interface Pending extends CheckinRow {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface CheckinWriterOptions {
  maxBatch?: number;
  /** Batches in flight at once (≤ the SQL pool size). */
  concurrency?: number;
  /** Least ms between two batches' starts (BatchQueue's spacingMs; 0: back to back). */
  spacingMs?: number;
  /** Where batches wait while the database is down; without one they fail. */
  spool?: Spool<CheckinRow>;
}

const INSERT =
  'INSERT INTO hc_checkins (venue_id, person_id, at, spool_key) SELECT v, p, to_timestamp(t / 1000.0), k FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[]) WITH ORDINALITY AS x(v, p, t, k, i) ORDER BY i ON CONFLICT (spool_key) DO NOTHING';

/** Writes check-ins in order, each once (by key). */
export async function insertCheckins(sql: Sql, rows: readonly CheckinRow[]): Promise<void> {
  const v = new Array<string>(rows.length);
  const p = new Array<string>(rows.length);
  const t = new Array<number>(rows.length);
  const k = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    v[i] = r.venueId;
    p[i] = r.personId;
    t[i] = r.at;
    k[i] = r.key;
  }
  await sql.query(INSERT, [v, p, t, k], { prepare: true });
}

export class CheckinWriter {
  private readonly queue: BatchQueue<Pending>;
  private spool: Spool<CheckinRow> | undefined;
  /**
   * Keys are this writer's random prefix and a counter (fixed width, so they sort
   * in the order they were made): unique without a random UUID per check-in, and
   * each writer's keys follow one another in the unique index (appended at its
   * right edge, not scattered over its pages).
   */
  private readonly keyPrefix = `${randomBytes(12).toString('base64url')}.`;
  private seq = 0;

  constructor(
    private readonly sql: Sql,
    opts: CheckinWriterOptions = {},
  ) {
    this.queue = new BatchQueue({
      run: (batch) => this.flush(batch),
      maxBatch: opts.maxBatch ?? 2000,
      concurrency: opts.concurrency ?? 4,
      spacingMs: opts.spacingMs,
    });
    this.spool = opts.spool;
  }

  /** Batches that cannot be written (the database is down) wait in `spool` (its deliver: insertCheckins). */
  useSpool(spool: Spool<CheckinRow>): void {
    this.spool = spool;
  }

  /** Resolves once the check-in is committed, or kept in the spool while the database is down. */
  write(venueId: string, personId: string, at: number): Promise<void> {
    const key = this.keyPrefix + (this.seq++).toString(36).padStart(10, '0');
    return new Promise((resolve, reject) => this.queue.push({ venueId, personId, at, key, resolve, reject }));
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      await insertCheckins(this.sql, batch);
      for (const b of batch) b.resolve();
    } catch (e) {
      let err = e;
      if (this.spool && isStorageUnavailable(e)) {
        try {
          await this.spool.append(batch.map(({ venueId, personId, at, key }) => ({ venueId, personId, at, key })));
          for (const b of batch) b.resolve();
          return;
        } catch (spoolErr) {
          err = spoolErr;
        }
      }
      for (const b of batch) b.reject(err);
    }
  }

  /** Waits until every queued check-in is written. */
  drain(): Promise<void> {
    return this.queue.drain();
  }
}
