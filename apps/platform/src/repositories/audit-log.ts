// The audit log: every itinerary read (owner, partner, SMS) and every admin
// change. Reads are group-committed: what was recorded while the previous
// write was under way goes out as the next segment, and a read is answered
// once its entry is durable (committed, or fsynced to the spool with the
// database down), so a crash loses none; admin changes are written before the
// change returns.
// Storage (migration 003): one `audit_segment` row per flush, its entries as
// tab-separated lines plus a Bloom filter over their numbers and actors; the
// `audit_log` view shows one row per entry.
import { randomUUID } from 'node:crypto';
import { AppError, BEIJING_OFFSET_MS, type Clock } from '@itinerary-card/domain';
import { isStorageUnavailable, type QueryOptions, Spool, type Sql } from '@itinerary-card/store';
import { filterFromHashes, hashInto, keyHashes, probeSql } from './segment-bloom.ts';

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
 * Entries per segment: small when the database shares the event loop
 * (in-process PGlite), so a write never holds requests up for long; large
 * otherwise (a worker thread or a server). An entry's id is segment id × 10,000
 * plus its place, so a segment holds fewer than 10,000.
 */
const SEGMENT_ON_EVENT_LOOP = 200;
const SEGMENT = 2000;
/** Segments read per step of a listing, newest first. */
const LIST_STEP = 64;

/**
 * Buffered entries, kept off the JS heap: their lines back to back in one
 * growing buffer, their times and Bloom hashes in typed arrays. Reads are
 * buffered for up to a second, thousands of them: as strings they outlived two
 * young-generation collections, were copied by each and then promoted, which
 * made every scavenge several milliseconds long and grew the old generation
 * by megabytes a second (measured in bench/platform.bench.ts). Here each
 * entry's strings die young and the buffers are not scanned by the collector.
 */
class Pending {
  length = 0;
  /** Once written or spooled: undefined; else why not. Unset while pending. */
  private outcome: { err?: unknown } | undefined;
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  private text: Buffer;
  private bytes = 0;
  /** Where each entry's line ends in `text`. */
  private ends: Uint32Array;
  private at: Float64Array;
  /** Four per entry: the number's two hashes, then the actor's ('@' + actor); no number: the actor's twice. */
  private hashes: Uint32Array;

  constructor(capacity = 1024) {
    this.text = Buffer.allocUnsafe(capacity * 128);
    this.ends = new Uint32Array(capacity);
    this.at = new Float64Array(capacity);
    this.hashes = new Uint32Array(4 * capacity);
  }

  push(e: Encoded, at: number): void {
    const i = this.length;
    if (i === this.ends.length) this.growEntries();
    // The time takes at most 24 characters (String of a double).
    if (this.bytes + 24 + e.rest.length > this.text.length) this.growText(this.bytes + 24 + e.rest.length);
    this.bytes = writeTime(this.text, this.bytes, at);
    this.text.set(e.rest, this.bytes);
    this.bytes += e.rest.length;
    this.ends[i] = this.bytes;
    this.at[i] = at;
    this.hashes.set(e.hashes, 4 * i);
    this.length = i + 1;
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

  /** When entry `i` was recorded. */
  atOf(i: number): number {
    return this.at[i]!;
  }

  /** The lines of entries [from, to). */
  body(from: number, to: number): string {
    return this.text.toString('utf8', from === 0 ? 0 : this.ends[from - 1], this.ends[to - 1]);
  }

  /** The Bloom filter over the numbers and actors of entries [from, to). */
  filter(from: number, to: number): Uint8Array {
    return filterFromHashes(this.hashes, 4 * from, 4 * to);
  }

  private growEntries(): void {
    const n = 2 * this.ends.length;
    const ends = new Uint32Array(n);
    ends.set(this.ends);
    this.ends = ends;
    const at = new Float64Array(n);
    at.set(this.at);
    this.at = at;
    const hashes = new Uint32Array(4 * n);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private growText(atLeast: number): void {
    const text = Buffer.allocUnsafe(Math.max(atLeast, 2 * this.text.length));
    this.text.copy(text, 0, 0, this.bytes);
    this.text = text;
  }
}

/** An entry's line after its time, and its four Bloom hashes: what each record of it writes. */
interface Encoded {
  rest: Buffer;
  /** The number's two hashes, then the actor's ('@' + actor); no number: the actor's twice. */
  hashes: Uint32Array;
}

function encode(e: AuditEntry): Encoded {
  const detail = e.detail ? JSON.stringify(e.detail) : '{}';
  const actor = clean(e.actor);
  const msisdn = clean(e.msisdn ?? '');
  const rest = Buffer.from(
    `\t${clean(e.actorType)}\t${actor}\t${clean(e.action)}\t${msisdn}\t${clean(e.outcome)}\t${detail}\n`,
  );
  const hashes = new Uint32Array(4);
  hashInto(hashes, 2, actor, '@');
  if (msisdn) hashInto(hashes, 0, msisdn);
  else hashes.copyWithin(0, 2, 4);
  return { rest, hashes };
}

/** Writes `at` in decimal (as String(at) would) at `pos`; returns the end. */
function writeTime(buf: Buffer, pos: number, at: number): number {
  if (!Number.isSafeInteger(at) || at < 0) return pos + buf.write(String(at), pos, 'latin1');
  let digits = 1;
  for (let v = at; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = at;
  for (let j = pos + digits - 1; j >= pos; j--) {
    buf[j] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/** Tabs and line breaks separate fields and entries (JSON.stringify already escapes them). */
function clean(s: string): string {
  return /[\t\n\r]/.test(s) ? s.replace(/[\t\n\r]/g, ' ') : s;
}

/** A segment as written, and as kept in the spool while the database is down. */
export interface AuditSegment {
  /** Idempotency key: the same segment written twice is stored once. */
  key: string;
  firstAt: number;
  lastAt: number;
  n: number;
  body: string;
  /** The Bloom filter, base64. */
  filter: string;
}

/** Initial room of a batch (it grows): group commits are frequent and small unless the load is high. */
const BATCH_ROOM = 64;

export class AuditLog {
  private pending = new Pending(BATCH_ROOM);
  /** The batch holding the latest entry (pending, being written, or done). */
  private latest = this.pending;
  private spool: Spool<AuditSegment> | undefined;
  /** Segments neither the database nor the (full) spool could take: written before anything newer. */
  private overflow: AuditSegment[] = [];
  /**
   * Encodings of frozen entries: a hot caller (the owner's itinerary reads)
   * records the same frozen entry for every read of the same card, and its
   * line and hashes need not be made again each time.
   */
  private readonly encodings = new WeakMap<AuditEntry, Encoded>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** A group commit is scheduled (next turn of the event loop) or under way. */
  private scheduled = false;
  private writing = false;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly log: { error(obj: unknown, msg: string): void; warn?(obj: unknown, msg: string): void },
    /** While segments wait in memory (the database down, the spool full): how often they are tried again. */
    private readonly retryMs = 1000,
  ) {}

  /**
   * Keeps segments that cannot be written (the database is down) in a local
   * spool under `dir` and writes them once it is back; without one they are
   * logged and dropped.
   */
  async openSpool(o: { dir: string; maxBytes: number }): Promise<Spool<AuditSegment>> {
    this.spool = await Spool.open<AuditSegment>({
      dir: o.dir,
      name: 'audit',
      maxBytes: o.maxBytes,
      entries: (seg) => seg.n,
      log: { warn: (obj, msg) => this.log.warn?.(obj, msg) },
      deliver: async (segments) => {
        for (const seg of segments) await insertSegment(this.sql, seg, NO_WAIT);
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
  spoolStats(): Spool<AuditSegment> | undefined {
    return this.spool;
  }

  /** Flushes, then stops the spool (what it could not write stays on disk for the next start). */
  async close(): Promise<void> {
    await this.flush();
    if (this.overflow.length > 0) {
      const lost = this.overflow.reduce((n, seg) => n + seg.n, 0);
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
    this.pending.push(this.encoded(entry), this.clock.now());
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
    // The requests of this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.writing && this.pending.length > 0) void this.flush();
    });
  }

  /** Writes one entry now (admin changes), inside the caller's transaction when given. */
  async write(entry: AuditEntry, tx: Sql = this.sql): Promise<void> {
    const one = new Pending(1);
    one.push(encode(entry), this.clock.now());
    await insertSegment(tx, segmentOf(one, 0, 1));
  }

  private encoded(entry: AuditEntry): Encoded {
    if (!Object.isFrozen(entry)) return encode(entry);
    let e = this.encodings.get(entry);
    if (e === undefined) {
      e = encode(entry);
      this.encodings.set(entry, e);
    }
    return e;
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = new Pending(BATCH_ROOM);
    this.flushing = this.flushing.then(async () => {
      this.writing = true;
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

  /** Writes a batch (after segments held back); undefined when it is durable, else the error its readers get. */
  private async writeBatch(batch: Pending): Promise<unknown> {
    // Segments held back while the database was down and the spool full go first.
    const segments = this.overflow.splice(0);
    if (batch.length === 0 && segments.length === 0) return undefined;
    const size = this.sql.onEventLoop ? SEGMENT_ON_EVENT_LOOP : SEGMENT;
    for (let from = 0; from < batch.length; from += size)
      segments.push(segmentOf(batch, from, Math.min(batch.length, from + size)));
    let written = 0;
    try {
      for (; written < segments.length; written++) {
        // With the database down (a restart too) the spool takes the segments at once: the reads wait on them.
        await insertSegment(this.sql, segments[written]!, NO_WAIT);
        if (this.sql.onEventLoop) await new Promise((r) => setImmediate(r));
      }
      return undefined;
    } catch (e) {
      const rest = segments.slice(written);
      const entries = rest.reduce((n, seg) => n + seg.n, 0);
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

  /** Newest entries first, by number and/or actor. */
  async list(filter: { msisdn?: string; actor?: string; limit?: number } = {}): Promise<AuditRow[]> {
    await this.flush();
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
    // Segments that may hold the entries (Bloom filters), newest first, a step at a time.
    const segParams: unknown[] = [];
    const segWhere: string[] = [];
    const entryParams: unknown[] = [];
    const entryWhere: string[] = [];
    const by = (key: string, column: string, value: string) => {
      const [h1, h2] = keyHashes(key);
      segParams.push(h1, h2);
      segWhere.push(probeSql('s', segParams.length - 1, segParams.length));
      entryParams.push(value);
      entryWhere.push(`${column} = $${entryParams.length + 1}`);
    };
    if (filter.msisdn) by(filter.msisdn, 'msisdn', filter.msisdn);
    if (filter.actor) by(`@${filter.actor}`, 'actor', filter.actor);
    segParams.push(Number.MAX_SAFE_INTEGER, LIST_STEP);
    segWhere.push(`s.id < $${segParams.length - 1}`);
    const segText = `SELECT id FROM audit_segment s WHERE ${segWhere.join(' AND ')} ORDER BY id DESC LIMIT $${segParams.length}`;
    const entryText = `
      SELECT * FROM (
        SELECT s.id * 10000 + e.n - 1 AS id,
               split_part(e.line, E'\\t', 1)::float8 AS at_ms,
               split_part(e.line, E'\\t', 2) AS actor_type,
               split_part(e.line, E'\\t', 3) AS actor,
               split_part(e.line, E'\\t', 4) AS action,
               nullif(split_part(e.line, E'\\t', 5), '') AS msisdn,
               split_part(e.line, E'\\t', 6) AS outcome,
               split_part(e.line, E'\\t', 7) AS detail
        FROM audit_segment s, LATERAL string_to_table(rtrim(s.body, E'\\n'), E'\\n') WITH ORDINALITY AS e(line, n)
        WHERE s.id = ANY($1::bigint[])
      ) AS x
      ${entryWhere.length ? `WHERE ${entryWhere.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT ${limit}`;
    const out: AuditRow[] = [];
    // An office's search through a long log may take longer than a request's query.
    const unbounded = { timeoutMs: 0 };
    for (;;) {
      const segs = (await this.sql.query<{ id: string | number }>(segText, segParams, unbounded)).map((r) =>
        Number(r.id),
      );
      if (segs.length === 0) return out;
      const rows = await this.sql.query<{
        id: string | number;
        at_ms: number;
        actor_type: ActorType;
        actor: string;
        action: string;
        msisdn: string | null;
        outcome: string;
        detail: string;
      }>(entryText, [segs, ...entryParams], unbounded);
      for (const r of rows) {
        out.push({
          id: Number(r.id),
          at: beijingMs(Number(r.at_ms)),
          actorType: r.actor_type,
          actor: r.actor,
          action: r.action,
          ...(r.msisdn ? { msisdn: r.msisdn } : {}),
          outcome: r.outcome,
          detail: JSON.parse(r.detail) as Record<string, unknown>,
        });
        if (out.length === limit) return out;
      }
      if (segs.length < LIST_STEP) return out;
      segParams[segParams.length - 2] = segs.at(-1);
    }
  }
}

/** Entries [from, to) of `p` as one segment, with a new key. */
function segmentOf(p: Pending, from: number, to: number): AuditSegment {
  return {
    key: randomUUID(),
    firstAt: p.atOf(from),
    lastAt: p.atOf(to - 1),
    n: to - from,
    body: p.body(from, to),
    filter: Buffer.from(p.filter(from, to)).toString('base64'),
  };
}

/** No wait for a database restart: the spool keeps the segment at once. */
const NO_WAIT = { idempotent: true, retry: false } as const;

/** Writes a segment once: again with the same key, it changes nothing. */
async function insertSegment(sql: Sql, seg: AuditSegment, options?: QueryOptions): Promise<void> {
  await sql.query(
    `INSERT INTO audit_segment (first_at, last_at, n, body, keys, spool_key)
     VALUES (to_timestamp($1 / 1000.0), to_timestamp($2 / 1000.0), $3, $4, decode($5, 'base64'), $6)
     ON CONFLICT (spool_key) DO NOTHING`,
    [seg.firstAt, seg.lastAt, seg.n, seg.body, seg.filter, seg.key],
    options,
  );
}
