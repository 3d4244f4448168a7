// DuckDB for pipeline tests: a throwaway in-memory instance for a few statements
// (writing Parquet files, an index), or one connection shared by the tests of a
// file or describe block.
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

/** Runs `fn` on a connection of a fresh in-memory instance, both closed after (`threads`: DuckDB's default when absent). */
export async function withDuckDb<T>(fn: (conn: DuckDBConnection) => Promise<T>, threads?: number): Promise<T> {
  const instance = await DuckDBInstance.create(
    ':memory:',
    threads === undefined ? undefined : { threads: String(threads) },
  );
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** A connection opened before the tests of the calling file (or describe block) and closed after them. */
export function duckDbForTests(threads: number): { readonly conn: DuckDBConnection } {
  let instance: DuckDBInstance | undefined;
  const db = {} as { conn: DuckDBConnection };
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    db.conn = await instance.connect();
  });
  afterAll(() => {
    db.conn?.closeSync();
    instance?.closeSync();
  });
  return db;
}
