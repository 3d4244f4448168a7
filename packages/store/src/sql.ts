// The SQL seam: one small interface over PGlite (embedded, in memory or in a
// data directory) and a `pg` Pool (production), so every app runs the same SQL.
import { createHash } from 'node:crypto';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { DEFAULT_STORAGE_RETRY_MS, RetryWindow } from './retry-window.ts';
import { scrubSqlError } from './sql-error.ts';
import { isSqlOutage, storageUnavailable } from './storage-outage.ts';

export interface QueryOptions {
  /**
   * PostgreSQL: this query's time limit instead of the connection's (`timeoutMs`
   * of openSql); 0: none, for batch work known to be long (retention, audit
   * listings). PGlite ignores it.
   */
  timeoutMs?: number;
  /**
   * PostgreSQL: the statement may run twice (a read, or a write with its own
   * idempotency keys), so it is tried again after a connection lost while it
   * ran (a restart), within the retry window. A statement that never reached
   * the server (refused, starting up) is tried again in any case. Default:
   * true for a plain SELECT, false otherwise.
   */
  idempotent?: boolean;
  /** PostgreSQL: false answers an outage at once, without the retry window (readiness probes). */
  retry?: boolean;
  /**
   * PostgreSQL and PGlite in a worker: a hot statement, prepared once per connection
   * (named after a hash of its text) instead of parsed and planned at every run. For
   * statements run many times a second (group commits, grouped reads). In-process
   * PGlite ignores it.
   */
  prepare?: boolean;
}

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]>;
  /** Runs one or more statements without parameters (migrations, DDL). */
  exec(text: string): Promise<void>;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * True when statements run on the caller's own event loop (in-process PGlite):
   * callers then keep each statement small so requests are not held up.
   */
  readonly onEventLoop?: boolean;
}

export interface OpenSqlOptions {
  /** postgres://… : use a PostgreSQL server through a `pg` Pool. */
  url?: string;
  /** PGlite data directory; in memory when absent. Ignored when `url` is given. */
  dataDir?: string;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /** Run embedded PGlite in a worker thread, off the caller's event loop. */
  worker?: boolean;
  /**
   * PostgreSQL only: how long opening a connection and each `query` may take
   * before failing with STORAGE_UNAVAILABLE (default 800 ms), so an outage
   * answers within a second. `exec` and transactions (migrations, batch jobs)
   * have no such limit.
   */
  timeoutMs?: number;
  /**
   * PostgreSQL only: how long statements wait for the server to come back in an
   * outage (a restart) before failing with STORAGE_UNAVAILABLE (default 3000 ms,
   * counted from the outage's first failure; see retry-window.ts). 0: no retries.
   */
  retryMs?: number;
}

const DEFAULT_STORAGE_TIMEOUT_MS = 800;

/** Opens PostgreSQL when a URL is given, otherwise embedded PGlite. */
export async function openSql(options: OpenSqlOptions = {}): Promise<Sql> {
  if (options.url) return openPostgresSql(options.url, options.poolSize ?? 10, options.timeoutMs, options.retryMs);
  if (options.worker) {
    const { openPgliteWorkerSql } = await import('./worker-sql.ts');
    return openPgliteWorkerSql(options.dataDir);
  }
  return openPgliteSql(options.dataDir);
}

export async function openPgliteSql(dataDir?: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  return new PgliteSql(db);
}

class PgliteSql implements Sql {
  readonly onEventLoop = true;
  constructor(private readonly db: PGlite) {}
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.db.query<T>(text, params)).rows;
    } catch (e) {
      throw scrubSqlError(e);
    }
  }
  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new PgliteTxSql(tx)));
  }
  async close(): Promise<void> {
    await this.db.close();
  }
}

class PgliteTxSql implements Sql {
  readonly onEventLoop = true;
  constructor(private readonly tx: Transaction) {}
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.tx.query<T>(text, params)).rows;
    } catch (e) {
      throw scrubSqlError(e);
    }
  }
  async exec(text: string): Promise<void> {
    await this.tx.exec(text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    // Already inside a transaction: nested calls join it.
    return fn(this);
  }
  async close(): Promise<void> {}
}

export async function openPostgresSql(
  url: string,
  poolSize = 10,
  timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
  retryMs = DEFAULT_STORAGE_RETRY_MS,
): Promise<Sql> {
  const pg = await import('pg');
  // Fail fast in an outage: a connection that cannot be opened within the
  // timeout fails (a stopped server refuses at once), rather than queueing.
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: timeoutMs });
  // An idle connection the server ends (a restart, an administrator, a failover)
  // is reported here and dropped from the pool; the next query opens a new one.
  // Without a listener that event would end the process.
  pool.on('error', () => {});
  // Fail fast on a wrong URL rather than on the first request.
  const client = await pool.connect();
  client.release();
  return new PgPoolSql(pool, timeoutMs, new RetryWindow(retryMs));
}

const statementNames = new Map<string, string>();

/** A prepared statement's name: the same text, the same name, on every connection. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ic_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Rethrows an outage as STORAGE_UNAVAILABLE, anything else as it is. */
function outage(e: unknown): never {
  throw isSqlOutage(e) ? storageUnavailable(e) : e;
}

/** A plain read: safe to run again after a connection lost while it ran. */
const PLAIN_SELECT = /^\s*SELECT\b(?![\s\S]*\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)\b)/i;

class PgPoolSql implements Sql {
  constructor(
    private readonly pool: Pool,
    private readonly timeoutMs: number,
    private readonly window: RetryWindow,
  ) {}
  async query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    const limit = options?.timeoutMs ?? this.timeoutMs;
    // pg's per-query limit (query_timeout) is missing from its QueryConfig type.
    const config = (
      limit > 0 ? { text, values: params, query_timeout: limit } : { text, values: params }
    ) as QueryConfig;
    if (options?.prepare) config.name = statementName(text);
    const idempotent = options?.idempotent ?? PLAIN_SELECT.test(text);
    for (let attempt = 0; ; attempt++) {
      let sent = false;
      try {
        const client = watched(await this.pool.connect());
        sent = true;
        let rows: T[];
        try {
          rows = (await client.query(config)).rows as T[];
        } catch (e) {
          // As pg's Pool.query: a connection that failed a statement is closed (a timed-out one may still be busy).
          client.done(e as Error);
          // A client the server had already left refuses before sending anything.
          if (e instanceof Error && /not queryable/i.test(e.message)) sent = false;
          throw e;
        }
        client.done();
        this.window.up();
        return rows;
      } catch (e) {
        scrubSqlError(e);
        if (!isSqlOutage(e)) throw e;
        // A timed-out statement is not sent again: the server is slow, not gone, and would get it twice.
        const retryable = !sent || (idempotent && !isTimeout(e));
        if (retryable && options?.retry !== false && (await this.window.pause(attempt))) continue;
        throw storageUnavailable(e);
      }
    }
  }
  async exec(text: string): Promise<void> {
    await this.pool.query(text).catch(outage);
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = watched(await this.begin());
    let broken: Error | undefined;
    try {
      const out = await fn(new PgClientSql(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      // A lost connection is closed rather than handed to the next caller.
      if (isSqlOutage(e)) broken = e as Error;
      else await client.query('ROLLBACK').catch(() => {});
      outage(e);
    } finally {
      client.done(broken);
    }
  }
  /** A connection inside BEGIN; until then nothing has run, so an outage is retried within the window. */
  private async begin(): Promise<PoolClient> {
    for (let attempt = 0; ; attempt++) {
      let client: WatchedClient | undefined;
      try {
        client = watched(await this.pool.connect());
        await client.query('BEGIN');
        client.unwatch();
        return client;
      } catch (e) {
        client?.done(e as Error);
        if (isSqlOutage(e) && !isTimeout(e) && (await this.window.pause(attempt))) continue;
        outage(e);
      }
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

type WatchedClient = PoolClient & {
  /** Hands the client back to the pool; closed when it failed (`err`) or lost its connection meanwhile. */
  done(err?: Error): void;
  unwatch(): void;
};

/**
 * A checked-out client, listened to: while it is ours the pool does not listen
 * for its errors, and a connection lost mid-statement (a restart) is emitted
 * as an 'error' event too, which unheard would end the process (pg's own
 * Pool.query listens the same way).
 */
function watched(client: PoolClient): WatchedClient {
  let lost: Error | undefined;
  const onError = (e: Error) => {
    lost = e;
  };
  client.on('error', onError);
  const w = client as WatchedClient;
  w.unwatch = () => client.removeListener('error', onError);
  w.done = (err) => {
    client.removeListener('error', onError);
    client.release(err ?? lost);
  };
  return w;
}

/** A statement that ran out of time (the server's statement_timeout or pg's query_timeout). */
function isTimeout(e: unknown): boolean {
  return (e as { code?: unknown }).code === '57014' || /Query read timeout/i.test((e as Error).message);
}

class PgClientSql implements Sql {
  constructor(private readonly client: PoolClient) {}
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.client.query(text, params as unknown[])).rows as T[];
    } catch (e) {
      throw scrubSqlError(e);
    }
  }
  async exec(text: string): Promise<void> {
    await this.client.query(text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close(): Promise<void> {}
}
