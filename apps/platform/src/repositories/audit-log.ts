// The audit log: every itinerary read (owner, partner, SMS) and every admin
// change, one row each in `audit_log`, a plain table partitioned by Beijing day
// (migration 005). Reads are group-committed: what was recorded while the
// previous write was under way goes out as the next batch, one INSERT over
// unnest() arrays, and a read is answered once its entry is durable
// (committed, or fsynced to the spool with the database down), so a crash
// loses none; admin changes are written before the change returns.
import { randomUUID } from 'node:crypto';
import { AppError, BEIJING_OFFSET_MS, type Clock } from '@itinerary-card/domain';
import { isSqlOutage, isStorageUnavailable, type QueryOptions, Spool, type Sql } from '@itinerary-card/store';

/** An entry's time in Beijing time (+08:00, as the rest of the API), to the millisecond that orders it. */
export const beijingMs = (ms: number) => `${new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;

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
 * A batch as written, and as kept in the spool while the database is down: the
 * entries' columns side by side (what the INSERT's unnest() takes).
 */
export interface AuditBatch {
  /** Idempotency key of a spooled batch: delivered twice, stored once. */
  key: string;
  at: number[];
  actorType: string[];
  actor: string[];
  action: string[];
  /** '' for none. */
  msisdn: string[];
  outcome: string[];
  /** JSON text. */
  detail: string[];
}

/** What a spool written before migration 005 holds: a segment of tab-separated lines. */
interface LegacySegment {
  key: string;
  n: number;
  body: string;
}

/** A batch's columns, empty. */
function emptyRows(): Omit<AuditBatch, 'key'> {
  return { at: [], actorType: [], actor: [], action: [], msisdn: [], outcome: [], detail: [] };
}

/** Entries buffered for the next group commit, and the promise its readers wait on. */
class Pending {
  readonly rows: Omit<AuditBatch, 'key'> = emptyRows();
  /** Once written or spooled: `{}`; else why not. Unset while pending. */
  private outcome: { err?: unknown } | undefined;
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  get length(): number {
    return this.rows.at.length;
  }

  push(e: AuditEntry, detail: string, at: number): void {
    const r = this.rows;
    r.at.push(at);
    r.actorType.push(e.actorType);
    r.actor.push(e.actor);
    r.action.push(e.action);
    r.msisdn.push(e.msisdn ?? '');
    r.outcome.push(e.outcome);
    r.detail.push(detail);
  }

  /** Resolves once these entries are durable; rejects when they could not be kept. */
  settled(): Promise<void> {
    if (this.outcome) return this.outcome.err === undefined ? Promise.resolve() : Promise.reject(this.outcome.err);
    if (!this.waiting) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.waiting = { promise, resolve, reject };
    }
    return this.waiting.promise;
  }

  settle(err?: unknown): void {
    this.outcome = { err };
    if (err === undefined) this.waiting?.resolve();
    else this.waiting?.reject(err);
  }
}

/** A group commit's rows, at most this many per INSERT. */
const CHUNK = 5000;

export class AuditLog {
  private pending = new Pending();
  /** The batch holding the latest entry (pending, being written, or done). */
  private latest = this.pending;
  private spool: Spool<AuditBatch | LegacySegment> | undefined;
  /** Batches neither the database nor the (full) spool could take: written before anything newer. */
  private overflow: AuditBatch[] = [];
  /** The detail JSON of frozen entries: an owner's reads of one card record the same frozen entry. */
  private readonly details = new WeakMap<AuditEntry, string>();
  /** Beijing days (YYYY-MM-DD) whose partition this process has seen made. */
  private readonly days = new Set<string>();
  /** The span (epoch ms, end excluded) of the days the last ensureDays saw made. */
  private madeFrom = 0;
  private madeTo = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** A group commit is scheduled (next turn of the event loop, or after the spacing) or under way. */
  private scheduled = false;
  private writing = false;
  /** When the last group commit started (performance.now()). */
  private lastCommit = Number.NEGATIVE_INFINITY;
  /** The next group commit, waiting for the spacing. */
  private spaced: NodeJS.Timeout | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly log: { error(obj: unknown, msg: string): void; warn?(obj: unknown, msg: string): void },
    /** While batches wait in memory (the database down, the spool full): how often they are tried again. */
    private readonly retryMs = 1000,
    /**
     * Group commits start at most once per this many ms (PLATFORM_AUDIT_COMMIT_MS).
     * A statement costs far more than a row (PGlite: ~0.3 ms against ~25 µs), and a
     * commit that starts as soon as the last one ends runs back to back under load,
     * a few rows each; spaced, each takes the rows of its spacing. An entry recorded
     * when no commit started within the spacing is written at once: no fixed wait.
     */
    private readonly spacingMs = 0,
  ) {}

  /**
   * Keeps batches that cannot be written (the database is down) in a local
   * spool under `dir` and writes them once it is back; without one, reads whose
   * entries cannot be written are refused.
   */
  async openSpool(o: { dir: string; maxBytes: number }): Promise<Spool<AuditBatch | LegacySegment>> {
    this.spool = await Spool.open<AuditBatch | LegacySegment>({
      dir: o.dir,
      name: 'audit',
      maxBytes: o.maxBytes,
      entries: (b) => ('body' in b ? b.n : b.at.length),
      log: { warn: (obj, msg) => this.log.warn?.(obj, msg) },
      deliver: async (batches) => {
        for (const b of batches) await this.insert('body' in b ? fromSegment(b) : b, true);
      },
    });
    return this.spool;
  }

  /**
   * False when reads cannot be audited safely: the database is down and the
   * spool is at its bound. Reads are then refused rather than left unaudited.
   */
  accepting(): boolean {
    return this.overflow.length === 0 && (this.spool === undefined || !this.spool.full());
  }

  /** The spool's figures (metrics); undefined without one. */
  spoolStats(): Spool<AuditBatch | LegacySegment> | undefined {
    return this.spool;
  }

  /** Flushes, then stops the spool (what it could not write stays on disk for the next start). */
  async close(): Promise<void> {
    await this.flush();
    if (this.overflow.length > 0) {
      const lost = this.overflow.reduce((n, b) => n + b.at.length, 0);
      this.log.error({ lost }, 'audit entries lost at stop: the database is down and the spool full');
    }
    await this.spool?.close();
  }

  /**
   * Buffers an entry for the next group commit (at the latest the next turn of
   * the event loop after the write under way); `durable()` tells when it is
   * kept. A frozen entry may be recorded again and again.
   */
  record(entry: AuditEntry): void {
    this.pending.push(entry, this.detail(entry), this.clock.now());
    this.latest = this.pending;
    this.kick();
  }

  /**
   * Resolves once every entry recorded so far is committed, or fsynced to the
   * spool while the database is down; rejects with QUERY_FAILED when they could
   * be neither (then the read they audit is not answered).
   */
  durable(): Promise<void> {
    return this.latest.settled();
  }

  private kick(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // The requests of this turn (or of the rest of the spacing) join the batch.
    const wait = this.lastCommit + this.spacingMs - performance.now();
    if (wait > 0) this.spaced = setTimeout(this.commitNow, wait);
    else setImmediate(this.commitNow);
  }

  private readonly commitNow = (): void => {
    this.scheduled = false;
    this.spaced = undefined;
    if (!this.writing && this.pending.length > 0) void this.flush();
  };

  /** Writes one entry now (admin changes), inside the caller's transaction when given. */
  async write(entry: AuditEntry, tx: Sql = this.sql): Promise<void> {
    const one = new Pending();
    one.push(entry, this.detail(entry), this.clock.now());
    await this.insert({ key: '', ...one.rows }, false, tx);
  }

  private detail(entry: AuditEntry): string {
    if (!Object.isFrozen(entry)) return entry.detail ? JSON.stringify(entry.detail) : '{}';
    let d = this.details.get(entry);
    if (d === undefined) {
      d = entry.detail ? JSON.stringify(entry.detail) : '{}';
      this.details.set(entry, d);
    }
    return d;
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Written now: the commit that waited for the spacing is this one.
    if (this.spaced) {
      clearTimeout(this.spaced);
      this.spaced = undefined;
      this.scheduled = false;
    }
    const batch = this.pending;
    this.pending = new Pending();
    this.flushing = this.flushing.then(async () => {
      this.writing = true;
      this.lastCommit = performance.now();
      try {
        batch.settle(await this.writeBatch(batch));
      } finally {
        this.writing = false;
        // What was recorded meanwhile is the next group commit.
        if (this.pending.length > 0) this.kick();
      }
    });
    return this.flushing;
  }

  /** Writes a batch (after batches held back); undefined when it is durable, else the error its readers get. */
  private async writeBatch(batch: Pending): Promise<unknown> {
    // Batches held back while the database was down and the spool full go first.
    const batches = this.overflow.splice(0);
    if (batch.length > 0) batches.push({ key: randomUUID(), ...batch.rows });
    if (batches.length === 0) return undefined;
    let written = 0;
    try {
      for (; written < batches.length; written++) {
        await this.insert(batches[written]!, false);
        if (this.sql.onEventLoop) await new Promise((r) => setImmediate(r));
      }
      return undefined;
    } catch (e) {
      const rest = batches.slice(written);
      const entries = rest.reduce((n, b) => n + b.at.length, 0);
      if (!this.spool || !isStorageUnavailable(e)) {
        this.log.error({ err: e, lost: entries }, 'audit batch write failed');
        return new AppError('QUERY_FAILED', {}, { cause: e });
      }
      try {
        await this.spool.append(rest);
        this.log.warn?.({ spooled: entries }, 'audit entries spooled: the database is unavailable');
        return undefined;
      } catch (spoolErr) {
        // The spool is at its bound: the entries stay in memory, their reads and the
        // next ones are refused (accepting() is false), and a later flush tries again.
        this.overflow = rest;
        this.log.error({ err: spoolErr, held: entries }, 'audit spool full: entries held, reads refused');
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            void this.flush();
          }, this.retryMs);
          this.timer.unref();
        }
        return new AppError('QUERY_FAILED', {}, { cause: spoolErr });
      }
    }
  }

  /**
   * Inserts a batch in order, in chunks; `keyed`: once only, by its key (a
   * batch from the spool). With the database down (a restart too) it fails at
   * once, without the retry window: the spool takes the batch and its reads
   * need not wait.
   */
  private async insert(b: AuditBatch, keyed: boolean, sql: Sql = this.sql): Promise<void> {
    await this.ensureDays(b.at, sql);
    // Prepared once per connection: the group commit runs all day, its parse and plan are done once.
    const options: QueryOptions = { idempotent: keyed, retry: false, prepare: true };
    const n = b.at.length;
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const cols = [b.at, b.actorType, b.actor, b.action, b.msisdn, b.outcome, b.detail].map((c) =>
        n <= CHUNK ? c : c.slice(from, to),
      );
      // A keyed batch of more than one chunk: each chunk keyed on its own.
      if (keyed) await sql.query(INSERT_KEYED, [...cols, n <= CHUNK ? b.key : `${b.key}/${from}`], options);
      else await sql.query(INSERT, cols, options);
    }
  }

  /** Makes the partitions of the days `at` falls on (and the day after) unless this process saw them made. */
  private async ensureDays(at: readonly number[], sql: Sql): Promise<void> {
    if (at.length === 0) return;
    let lo = at[0]!;
    let hi = lo;
    for (const t of at) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    // Nearly every batch falls within the days seen made last time: no dates formatted.
    if (lo >= this.madeFrom && hi + DAY_MS < this.madeTo) return;
    for (let day = beijingDay(lo); day <= beijingDay(hi + DAY_MS); day = nextDay(day)) {
      if (this.days.has(day)) continue;
      await this.createPartition(day, sql);
      this.days.add(day);
    }
    this.madeFrom = beijingDayStartMs(lo);
    this.madeTo = beijingDayStartMs(hi + DAY_MS) + DAY_MS;
  }

  private async createPartition(day: string, sql: Sql): Promise<void> {
    const name = `audit_log_${day.replaceAll('-', '')}`;
    try {
      await sql.query(
        `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF audit_log FOR VALUES FROM ('${day} 00:00:00+08') TO ('${nextDay(day)} 00:00:00+08')`,
        [],
        { retry: false },
      );
    } catch (e) {
      if (isSqlOutage(e) || isStorageUnavailable(e)) throw e;
      // Another replica made it meanwhile (duplicate table or type), or the default partition holds
      // rows of that day (then they and the day's next entries stay there): entries are written either way.
      const code = (e as { code?: string }).code;
      if (code !== '42P07' && code !== '23505' && code !== '42P17')
        this.log.warn?.({ err: e, day }, 'audit: no partition for the day, entries go to the default partition');
    }
  }

  /** Newest entries first, by number and/or actor. */
  async list(filter: { msisdn?: string; actor?: string; limit?: number } = {}): Promise<AuditRow[]> {
    await this.flush();
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.msisdn) {
      params.push(filter.msisdn);
      where.push(`msisdn = $${params.length}`);
    }
    if (filter.actor) {
      params.push(filter.actor);
      where.push(`actor = $${params.length}`);
    }
    params.push(limit);
    const rows = await this.sql.query<{
      id: string | number;
      at_ms: number;
      actor_type: ActorType;
      actor: string;
      action: string;
      msisdn: string | null;
      outcome: string;
      detail: string;
    }>(
      `SELECT id, round(extract(epoch FROM at) * 1000)::float8 AS at_ms, actor_type, actor, action, msisdn, outcome, detail::text AS detail
       FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
      // An office's search through a long log may take longer than a request's query.
      { timeoutMs: 0 },
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: beijingMs(Number(r.at_ms)),
      actorType: r.actor_type,
      actor: r.actor,
      action: r.action,
      ...(r.msisdn ? { msisdn: r.msisdn } : {}),
      outcome: r.outcome,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}

const COLUMNS = `SELECT to_timestamp(t / 1000.0), ty, a, ac, nullif(m, ''), o, d::jsonb
  FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    WITH ORDINALITY AS x(t, ty, a, ac, m, o, d, i)`;
const INSERT = `INSERT INTO audit_log (at, actor_type, actor, action, msisdn, outcome, detail)
  ${COLUMNS} ORDER BY i`;
/** Written only when its key is new, in the same statement (one transaction). */
const INSERT_KEYED = `WITH batch AS (INSERT INTO audit_batch (key) VALUES ($8) ON CONFLICT DO NOTHING RETURNING 1)
  INSERT INTO audit_log (at, actor_type, actor, action, msisdn, outcome, detail)
  ${COLUMNS} WHERE EXISTS (SELECT 1 FROM batch) ORDER BY i`;

const DAY_MS = 86_400_000;
/** The start (epoch ms) of the Beijing day `ms` falls on. */
const beijingDayStartMs = (ms: number) => Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
const beijingDay = (ms: number) => new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** A segment from a spool written before migration 005, as a batch (lines: at, type, actor, action, msisdn, outcome, detail). */
function fromSegment(seg: LegacySegment): AuditBatch {
  const b: AuditBatch = { key: seg.key, ...emptyRows() };
  for (const line of seg.body.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    b.at.push(Number(f[0]));
    b.actorType.push(f[1] ?? '');
    b.actor.push(f[2] ?? '');
    b.action.push(f[3] ?? '');
    b.msisdn.push(f[4] ?? '');
    b.outcome.push(f[5] ?? '');
    b.detail.push(f[6] || '{}');
  }
  return b;
}
