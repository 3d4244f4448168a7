// Which signaling files DuckDB can open: the others are quarantined whole.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { InputDir, SignalingFile } from './input-dir.ts';
import type { Quarantine } from './quarantine.ts';
import { q } from './signaling-source.ts';

/** Drops CSV and Parquet files DuckDB cannot open at all, quarantining them whole; counts a Parquet file's records. */
export async function usableFiles(conn: DuckDBConnection, input: InputDir, qr: Quarantine): Promise<SignalingFile[]> {
  for (const s of input.skipped) qr.add('unreadable_file', { file: s.path, text: s.reason });
  const out: SignalingFile[] = [];
  for (const f of input.signaling) {
    if (f.format === 'parquet') {
      try {
        const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(f.path)})`);
        const names = r.getRows().map((row) => String(row[0]).toLowerCase());
        f.types = Object.fromEntries(r.getRows().map((row) => [String(row[0]).toLowerCase(), String(row[1])]));
        const missing = ['msisdn', 'ts', 'cell_id', 'plmn', 'event'].filter((c) => !names.includes(c));
        if (missing.length) {
          qr.add('unreadable_file', { file: f.path, text: `Parquet file lacks column(s) ${missing.join(', ')}` });
          continue;
        }
        // The footer's row count: the shard plan and the progress bar then need no guess.
        const meta = await conn.runAndReadAll(`SELECT sum(num_rows) FROM parquet_file_metadata(${q(f.path)})`);
        f.rows = Number(meta.getRows()[0]?.[0] ?? 0);
      } catch (e) {
        qr.add('unreadable_file', { file: f.path, text: `not a readable Parquet file: ${(e as Error).message}` });
        continue;
      }
    }
    out.push(f);
  }
  return out;
}
