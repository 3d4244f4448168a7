// Plain, ordered SQL migrations: each app owns a list (or a folder of NNN_name.sql
// files) and applies what has not been applied yet, recorded per app.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from './sql.ts';

export interface Migration {
  /** Sort key and identity, e.g. `001_init`. */
  name: string;
  sql: string;
}

/** Reads `*.sql` files of a folder, in file-name order. */
export async function migrationsFromDir(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (f) => ({ name: f.replace(/\.sql$/, ''), sql: await readFile(join(dir, f), 'utf8') })),
  );
}

/**
 * Applies the migrations of `app` not yet applied, each in its own transaction, in
 * name order. Returns the names applied now. Safe to call at every start.
 */
export async function migrate(sql: Sql, app: string, migrations: readonly Migration[]): Promise<string[]> {
  // Several processes may start together on one database (replicas): a
  // transaction-scoped advisory lock makes them take turns, and each migration
  // is checked again under the lock.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         app text NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (app, name))`,
    );
  });
  const done = new Set(
    (await sql.query<{ name: string }>('SELECT name FROM schema_migrations WHERE app = $1', [app])).map((r) => r.name),
  );
  const applied: string[] = [];
  const sorted = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const m of sorted) {
    if (done.has(m.name)) continue;
    const ran = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const already = await tx.query('SELECT 1 FROM schema_migrations WHERE app = $1 AND name = $2', [app, m.name]);
      if (already.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (app, name) VALUES ($1, $2)', [app, m.name]);
      return true;
    });
    if (ran) applied.push(m.name);
  }
  return applied;
}

/** Advisory lock key of schema migrations (any constant shared by all apps). */
const MIGRATION_LOCK = 727_001;
