// Which days each signaling file holds: the first and last record time of
// every file, computed once per file (keyed by path, size and mtime) and kept
// in the node's data directory, so a daily run opens only the files that can
// hold its day (its own and the next days' files, for late records).
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { writeFileAtomic } from './atomic-files.ts';
import type { SignalingFile } from './input-dir.ts';
import { signalingSource } from './signaling-scan.ts';

interface Entry {
  size: number;
  mtimeMs: number;
  /** Range of record times in the file; null when it has no readable time. */
  min: number | null;
  max: number | null;
}

export async function filesForRange(
  conn: DuckDBConnection,
  files: SignalingFile[],
  indexPath: string,
  lo: number,
  hi: number,
): Promise<SignalingFile[]> {
  const index: Record<string, Entry> = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : {};
  let changed = false;
  const out: SignalingFile[] = [];
  for (const f of files) {
    const st = statSync(f.path);
    let e = index[f.path];
    if (!e || e.size !== st.size || e.mtimeMs !== st.mtimeMs) {
      const r = await conn.runAndReadAll(`SELECT min(t), max(t) FROM (${signalingSource([f], false)})`);
      const [min, max] = r.getRows()[0] as [number | null, number | null];
      e = {
        size: st.size,
        mtimeMs: st.mtimeMs,
        min: min === null ? null : Number(min),
        max: max === null ? null : Number(max),
      };
      index[f.path] = e;
      changed = true;
    }
    if (e.min !== null && e.max !== null && e.max >= lo && e.min < hi) out.push(f);
  }
  for (const p of Object.keys(index)) {
    if (!files.some((f) => f.path === p)) {
      delete index[p];
      changed = true;
    }
  }
  if (changed) writeFileAtomic(indexPath, `${JSON.stringify(index)}\n`);
  return out;
}
