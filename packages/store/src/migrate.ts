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
  await sql.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       app text NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (app, name))`,
  );
  const done = new Set(
    (await sql.query<{ name: string }>('SELECT name FROM schema_migrations WHERE app = $1', [app])).map((r) => r.name),
  );
  const applied: string[] = [];
  const sorted = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const m of sorted) {
    if (done.has(m.name)) continue;
    await sql.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (app, name) VALUES ($1, $2)', [app, m.name]);
    });
    applied.push(m.name);
  }
  return applied;
}
