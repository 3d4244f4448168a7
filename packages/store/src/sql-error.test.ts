import { describe, expect, it } from 'vitest';
import { openSql } from './sql.ts';

const PHONE = '13800001234';

/** What a structured logger writes for an error: its own fields, message and stack (pino's err serializer). */
function logged(err: unknown): string {
  const e = err as Error;
  return JSON.stringify({ err: { ...e, type: e.name, message: e.message, stack: e.stack }, msg: 'statement failed' });
}

describe('SQL errors', () => {
  for (const worker of [false, true]) {
    it(`carry no parameters and no full number into a log (PGlite${worker ? ' in a worker' : ''})`, async () => {
      const sql = await openSql({ worker });
      try {
        await sql.exec('CREATE TABLE t (msisdn text PRIMARY KEY, n int)');
        await sql.query('INSERT INTO t VALUES ($1, 1)', [PHONE]);
        const failures = await Promise.all([
          sql.query('INSERT INTO t VALUES ($1, 2)', [PHONE]).catch((e: unknown) => e),
          sql.query('INSERT INTO t VALUES ($1, $2::int)', ['x', PHONE]).catch((e: unknown) => e),
          sql.transaction((tx) => tx.query('INSERT INTO t VALUES ($1, 3)', [PHONE])).catch((e: unknown) => e),
        ]);
        for (const e of failures) {
          expect(e).toBeInstanceOf(Error);
          expect(e).not.toHaveProperty('params');
          const line = logged(e);
          expect(line).toContain('statement failed');
          expect(line).not.toContain(PHONE);
        }
        // Masked, not dropped: the log still says which row.
        expect(logged(failures[0])).toContain('138****1234');
      } finally {
        await sql.close();
      }
    });
  }
});
