// Check-ins on the hot path: callers enqueue, and the writer group-commits
// everything that queued while the previous batch was in flight as one INSERT
// over unnest() arrays (one statement text, so the server plans it once per
// connection), with a few batches in flight at once.
import type { Sql } from '@itinerary-card/store';

interface Pending {
  venueId: string;
  personId: string;
  at: number;
  done: (e?: unknown) => void;
}

export interface CheckinWriterOptions {
  maxBatch?: number;
  /** Batches in flight at once (≤ the SQL pool size). */
  concurrency?: number;
}

const INSERT =
  'INSERT INTO hc_checkins (venue_id, person_id, at) SELECT v, p, to_timestamp(t / 1000.0) FROM unnest($1::text[], $2::text[], $3::float8[]) AS x(v, p, t)';

export class CheckinWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private idle: Array<() => void> = [];

  constructor(
    private readonly sql: Sql,
    opts: CheckinWriterOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.concurrency = opts.concurrency ?? 4;
  }

  /** Resolves once the check-in is committed. */
  write(venueId: string, personId: string, at: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ venueId, personId, at, done: (e) => (e ? reject(e) : resolve()) });
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Let the current tick's requests join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.pump();
        else if (this.inFlight === 0) for (const f of this.idle.splice(0)) f();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const v = new Array<string>(batch.length);
    const p = new Array<string>(batch.length);
    const t = new Array<number>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const b = batch[i]!;
      v[i] = b.venueId;
      p[i] = b.personId;
      t[i] = b.at;
    }
    try {
      await this.sql.query(INSERT, [v, p, t]);
      for (const b of batch) b.done();
    } catch (e) {
      for (const b of batch) b.done(e);
    }
  }

  /** Waits until every queued check-in is written. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }
}
