// The node's index of its signaling files: per file (keyed by path, size and
// mtime, computed once per version of a file) whether it can be read at all,
// and how many records it holds of each Beijing day with a hash of them. A
// daily run opens only the files that hold its day (its own and the next
// days' files, for late records); the schedule compares each day's inputs with
// what its run read to find days whose input changed (a late file, a late
// record in the next day's file); retention goes by the records' days.
//
// A CSV file's few records of other days (late records, stray timestamps) are
// copied, when the file is indexed, to a small file of its own (its strays,
// under the data directory): the runs of those days read that copy, not the
// whole file again (a day file holding a late record of the day before was
// read by both days' runs, and each stray timestamp added a run that read it).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { addDays, beijingDate, DAY_MS, isIsoDate } from '@itinerary-card/domain';
import {
  indexCsvNative,
  type NativeCsvIndex,
  type RawScanRange,
  readHomeCsvNative,
  releaseChunksNative,
} from '@itinerary-card/stay-engine';
import { writeFileAtomic } from '../publish/atomic-files.ts';
import { gzipProblem, type SignalingFile } from './input-dir.ts';
import { type HomeRead, nativeCsvCandidate } from './signaling-scan.ts';
import { signalingSource } from './signaling-source.ts';

export interface FileEntry {
  size: number;
  mtimeMs: number;
  /** Why the file cannot be read (a gzip file cut short or corrupt, DuckDB failing on it). */
  error?: string;
  /** Per Beijing day (YYYY-MM-DD): records with a time on that day, and the sum of their hashes. */
  days: Record<string, [number, string]>;
  /**
   * The file's records of its minor days (STRAY_SHARE), copied to a CSV file of their own
   * (its name under the index's strays directory): the runs of those days read it instead.
   */
  strays?: { name: string; days: string[]; rows: number; bytes: number };
}

/**
 * A day with fewer than this share of a CSV file's records is read from the file's strays,
 * when all such days together hold no more than this share (the file has a main day).
 */
const STRAY_SHARE = 0.25;
const STRAY_COLUMNS = ['msisdn', 'ts', 'cell_id', 'plmn', 'event'];
const straysDir = (indexPath: string) => join(dirname(indexPath), 'strays');

export type FileIndex = Map<string, FileEntry>;

/**
 * 4: the CSV files' days counted and hashed by the native reader where it reads them (another
 * hash than DuckDB's: a node's first pass after the change indexes its files again and runs
 * the days it keeps once more, with the same answers).
 */
const INDEX_VERSION = 4;
/** Days outside these are impossible timestamps in any run: not indexed. */
const FIRST_DAY = '2009-01-01';
const LAST_DAY = '2099-12-31';

function readIndex(path: string): Record<string, FileEntry> {
  if (!existsSync(path)) return {};
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; files?: Record<string, FileEntry> };
    return j.version === INDEX_VERSION && j.files ? j.files : {};
  } catch {
    return {}; // an unreadable index is rebuilt from the files
  }
}

/** The index as stored (entries of files that may since have changed: compare size and mtime). */
export function readStoredIndex(path: string): FileIndex {
  return new Map(Object.entries(readIndex(path)));
}

/**
 * Brings the index up to date with `files` (new or changed files are read once: CSV
 * files by the native reader, `threads` at a time, where it reads them as DuckDB would;
 * the others by DuckDB, gzip files to their end first, as DuckDB must not open a
 * corrupt one) and returns it. Files that cannot be read have `error` set.
 */
export async function indexFiles(
  conn: DuckDBConnection,
  files: SignalingFile[],
  indexPath: string,
  threads = 1,
): Promise<FileIndex> {
  return (await indexFilesReading(conn, files, indexPath, threads)).index;
}

/**
 * A daily run's wish to read its day's records while its new files are indexed (a day's
 * file is new when its run comes): the registries' keys and the scan's range, as the run's
 * scan reads them (signaling-scan.ts InPlace, ScanRange).
 */
export interface HomeReadWish {
  day: string;
  now: number;
  keys: { subscribers: readonly string[]; cells: readonly string[] };
  range: RawScanRange;
  samplesPerReason: number;
}

/**
 * indexFiles, and with `wish` the new CSV files the native reader reads are read once for
 * both the index and the day's scan: `homeRead` has the records of those whose home day is
 * the wish's (a file of several days, or of another day, is the scan's to read as before).
 */
export async function indexFilesReading(
  conn: DuckDBConnection,
  files: SignalingFile[],
  indexPath: string,
  threads = 1,
  wish?: HomeReadWish,
): Promise<{ index: FileIndex; homeRead?: HomeRead }> {
  const stored = readIndex(indexPath);
  let changed = false;
  const out: FileIndex = new Map();
  const stale: Array<{ f: SignalingFile; size: number; mtimeMs: number }> = [];
  for (const f of files) {
    const st = statSync(f.path);
    const e = stored[f.path];
    if (!e || e.size !== st.size || e.mtimeMs !== st.mtimeMs) stale.push({ f, size: st.size, mtimeMs: st.mtimeMs });
  }
  // The CSV files the native reader reads as DuckDB would, all at once; the others by DuckDB below.
  const { days: native, homeRead } = await nativeDays(
    stale.map((s) => s.f),
    threads,
    wish,
  );
  const fresh = new Map(stale.map((s) => [s.f.path, s]));
  for (const f of files) {
    const s = fresh.get(f.path);
    let e = stored[f.path]!;
    if (s) {
      e = { size: s.size, mtimeMs: s.mtimeMs, days: {} };
      const found = native.get(f.path);
      const gz = found || !f.path.toLowerCase().endsWith('.gz') ? undefined : await gzipProblem(f.path);
      if (gz) e.error = gz;
      else {
        try {
          // No WHERE on t: DuckDB would push it into the scan with t's expression (the time's
          // parse, most of the pass) copied into each condition. The group of a NULL day is the
          // records a WHERE would have left out.
          const rows =
            found ??
            (
              await conn.runAndReadAll(
                `SELECT CASE WHEN t > -1e15 AND t < 1e15 THEN floor((t + 28800000) / 86400000)::BIGINT END AS d,
                 count(*)::BIGINT, sum(hash(msisdn, t, cell_id, plmn, event))::VARCHAR
               FROM (${signalingSource([f], false)}) GROUP BY d ORDER BY d`,
              )
            )
              .getRows()
              .filter(([d]) => d !== null)
              .map(([d, n, h]) => [Number(d), Number(n), String(h)] as const);
          const minor: number[] = [];
          let total = 0;
          let strays = 0;
          for (const [, n] of rows) total += n;
          for (const [d, n, h] of rows) {
            const day = new Date(d * DAY_MS).toISOString().slice(0, 10);
            if (day < FIRST_DAY || day > LAST_DAY) continue;
            e.days[day] = [n, h];
            if (n < STRAY_SHARE * total) {
              minor.push(d);
              strays += n;
            }
          }
          // Only a file with a main day has strays: one of several days' records is read whole.
          if (minor.length && strays <= STRAY_SHARE * total && f.format === 'csv')
            e.strays = await copyStrays(conn, f, e, minor, indexPath);
        } catch (err) {
          e.error = `cannot be read: ${(err as Error).message.split('\n')[0]}`;
        }
      }
      changed = true;
    }
    out.set(f.path, e);
  }
  if (changed || Object.keys(stored).some((p) => !out.has(p))) {
    writeFileAtomic(indexPath, `${JSON.stringify({ version: INDEX_VERSION, files: Object.fromEntries(out) })}\n`);
    // Strays of files gone or changed since go with them.
    const keep = new Set([...out.values()].map((e) => e.strays?.name));
    const dir = straysDir(indexPath);
    if (existsSync(dir))
      for (const name of readdirSync(dir)) if (!keep.has(name)) rmSync(join(dir, name), { force: true });
  }
  return { index: out, homeRead };
}

/**
 * The days of the CSV files the native reader reads (indexCsvNative), by path: per Beijing
 * day number its records and their hash. The files it declines, the others, and all of them
 * without the native addon, are not in the map (DuckDB indexes them).
 */
async function nativeDays(
  files: SignalingFile[],
  threads: number,
  wish?: HomeReadWish,
): Promise<{ days: Map<string, Array<readonly [number, number, string]>>; homeRead?: HomeRead }> {
  const out = new Map<string, Array<readonly [number, number, string]>>();
  const tried = files.filter(nativeCsvCandidate);
  if (tried.length === 0) return { days: out };
  const list = tried.map((f) => ({ path: f.path, columns: f.columns! }));
  let found: NativeCsvIndex | undefined;
  let homeRead: HomeRead | undefined;
  if (wish) {
    const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
    const both = await readHomeCsvNative(
      list,
      wish.keys.subscribers,
      wish.keys.cells,
      wish.range,
      wish.samplesPerReason,
      threads,
      {
        keepDay: dayNumber(wish.day),
        latestDay: dayNumber(addDays(beijingDate(wish.now), 1)),
        firstDay: dayNumber(FIRST_DAY),
        lastDay: dayNumber(LAST_DAY),
      },
    );
    if (both) {
      found = both;
      const read = tried.filter((_, k) => both.kept[k] === 1);
      if (read.length) homeRead = { found: both.scan, read };
      else releaseChunksNative(both.scan.chunks);
    }
  }
  found ??= await indexCsvNative(list, threads);
  if (!found) return { days: out };
  tried.forEach((f, k) => {
    if (found.declined[k] === 0) out.set(f.path, []);
  });
  for (let i = 0; i < found.dayFile.length; i++)
    out.get(tried[found.dayFile[i]!]!.path)?.push([found.day[i]!, found.count[i]!, found.hash[i]!]);
  return { days: out, homeRead };
}

/**
 * Copies a CSV file's records of the minor days (Beijing day numbers) to its strays
 * file: the columns as written, so a run reads them as it reads the file (the same
 * times, the same rejects and reject samples). Lines without a valid time stay out:
 * the file's home day counts them.
 */
async function copyStrays(
  conn: DuckDBConnection,
  f: SignalingFile,
  e: FileEntry,
  minor: number[],
  indexPath: string,
): Promise<FileEntry['strays']> {
  const key = createHash('sha256').update(`${f.path}\0${e.size}\0${e.mtimeMs}`).digest('base64url').slice(0, 24);
  const name = `${key}.csv`;
  const dir = straysDir(indexPath);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  const q = (x: string) => `'${x.replaceAll("'", "''")}'`;
  await conn.run(
    `COPY (SELECT ${STRAY_COLUMNS.join(', ')} FROM (${signalingSource([f], false)})
       WHERE t IS NOT NULL AND floor((t + 28800000) / 86400000)::BIGINT IN (${minor.join(', ')}))
     TO ${q(tmp)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"')`,
  );
  renameSync(tmp, path);
  const days = minor.map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10)).sort();
  const rows = days.reduce((n, d) => n + (e.days[d]?.[0] ?? 0), 0);
  return { name, days, rows, bytes: statSync(path).size };
}

/** A date written in a file's name (2022-09-03, 20220903), if any. */
function declaredDay(path: string): string | undefined {
  const m = /(20\d\d)-?([01]\d)-?([0-3]\d)/.exec(basename(path));
  const d = m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
  return d && isIsoDate(d) ? d : undefined;
}

/**
 * The day a file belongs to: the last day of its records that can be real at
 * `now` (a day file holds its own day and late records of earlier days); for a
 * file without such a record (unreadable, all garbage), the day its name
 * declares, else the day it was written. The records no day can claim (lines
 * without a valid time, unreadable files) are counted by this day's run only,
 * and retention deletes the file with this day.
 */
export function homeDay(path: string, e: Pick<FileEntry, 'days' | 'mtimeMs'> | undefined, now: number): string {
  const latest = addDays(beijingDate(now), 1);
  let home: string | undefined;
  for (const d of Object.keys(e?.days ?? {})) if (d <= latest && (home === undefined || d > home)) home = d;
  return home ?? declaredDay(path) ?? beijingDate(e?.mtimeMs ?? now);
}

/**
 * The files a run of `day` reads: those with records of the day, and those whose
 * home day it is (their lines without a valid time are counted by this run only,
 * see SignalingFile.countTimeless).
 */
export function filesForDay(
  files: SignalingFile[],
  index: FileIndex,
  day: string,
  now: number,
  indexPath?: string,
): SignalingFile[] {
  const out: SignalingFile[] = [];
  for (const f of files) {
    const e = index.get(f.path);
    if (!e || e.error) continue;
    const home = homeDay(f.path, e, now) === day;
    const strays = e.strays && indexPath ? join(straysDir(indexPath), e.strays.name) : undefined;
    if (!home && strays && e.strays!.days.includes(day) && existsSync(strays)) {
      // (A strays file lost since indexing: the file itself is read, as before.)
      out.push({
        path: strays,
        format: 'csv',
        bytes: e.strays!.bytes,
        columns: STRAY_COLUMNS,
        estimatedRows: e.strays!.rows,
        countTimeless: false,
      });
    } else if (home || e.days[day]) out.push({ ...f, countTimeless: home });
  }
  return out;
}

/**
 * What a run of `day` reads, as stored with the run: per file (relative to the
 * input directory) its records of the day and their hash, and for the files
 * whose home day it is their size and mtime. A change means the day must be run again.
 */
export function dayInputs(
  root: string,
  files: Array<{ path: string }>,
  index: FileIndex,
  day: string,
  now: number,
): Array<[string, number, string, number | null, number | null]> {
  const out: Array<[string, number, string, number | null, number | null]> = [];
  for (const f of files) {
    const e = index.get(f.path);
    const home = homeDay(f.path, e, now) === day;
    const rec = e?.days[day];
    if (!rec && !home) continue;
    out.push([
      relative(root, f.path),
      rec?.[0] ?? 0,
      rec?.[1] ?? '0',
      home ? (e?.size ?? null) : null,
      home ? (e?.mtimeMs ?? null) : null,
    ]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The first day any indexed file holds a record of (undefined when none does). */
export function firstRecordDay(index: FileIndex, now: number): string | undefined {
  const latest = addDays(beijingDate(now), 1);
  let first: string | undefined;
  for (const e of index.values())
    for (const d of Object.keys(e.days)) if (d <= latest && (first === undefined || d < first)) first = d;
  return first;
}
