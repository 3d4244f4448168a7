// The SQL seam: one small interface over PGlite (embedded, in memory or in a
// data directory) and a `pg` Pool (production), so every app runs the same SQL.
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import { scrubSqlError } from './sql-error.ts';
import { isSqlOutage, storageUnavailable } from './storage-outage.ts';

export interface QueryOptions {
  /**
   * PostgreSQL: this query's time limit instead of the connection's (`timeoutMs`
   * of openSql); 0: none, for batch work known to be long (retention, audit
   * listings). PGlite ignores it.
   */
  timeoutMs?: number;
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
}

export const DEFAULT_STORAGE_TIMEOUT_MS = 800;

/** Opens PostgreSQL when a URL is given, otherwise embedded PGlite. */
export async function openSql(options: OpenSqlOptions = {}): Promise<Sql> {
  if (options.url) return openPostgresSql(options.url, options.poolSize ?? 10, options.timeoutMs);
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
  return new PgPoolSql(pool, timeoutMs);
}

/** Rethrows an outage as STORAGE_UNAVAILABLE, anything else as it is. */
function outage(e: unknown): never {
  throw isSqlOutage(e) ? storageUnavailable(e) : e;
}

class PgPoolSql implements Sql {
  constructor(
    private readonly pool: Pool,
    private readonly timeoutMs: number,
  ) {}
  async query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    // A query that times out releases its connection with the error, and the pool closes it.
    const limit = options?.timeoutMs ?? this.timeoutMs;
    const config = limit > 0 ? { text, values: params, query_timeout: limit } : { text, values: params };
    const r = await this.pool
      .query(config as { text: string; values?: unknown[] })
      .catch((e) => outage(scrubSqlError(e)));
    return r.rows as T[];
  }
  async exec(text: string): Promise<void> {
    await this.pool.query(text).catch(outage);
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch(outage);
    try {
      await client.query('BEGIN');
      const out = await fn(new PgClientSql(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      outage(e);
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
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
