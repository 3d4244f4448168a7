// The operator node's daily schedule. Each pass: put right what a killed pass
// left; bring the file index up to date; run, oldest first, every finished day
// (up to yesterday) that has no summary or whose summary no longer matches its
// input or the day before (a late file, a late record in the next day's file,
// a day run again before it), as each day needs the previous day's carry; make
// sure the snapshot of the query day is built from the summaries there now;
// publish it once the daily update time (08:00 Beijing by default) has passed,
// and again whenever it was rebuilt; then enforce retention. Before the update
// time the previous snapshot stays published. Idempotent: a pass with nothing
// new does nothing.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { addDays, beijingDate, beijingDayStart, type Clock, DAY_MS, parseTimeOfDay } from '@itinerary-card/domain';
import { crashPoint, lockDir } from '../publish/atomic-files.ts';
import { dayInputs, type FileIndex, indexFiles } from '../read/file-index.ts';
import { inspectInput, type SignalingFile } from '../read/input-dir.ts';
import { Quarantine } from '../read/quarantine.ts';
import { usableFiles } from '../read/usable-files.ts';
import {
  type DailyRunOptions,
  type DailyRunReport,
  enforceRetention,
  ensureSnapshot,
  publishSnapshot,
  readDayState,
  readPublished,
  recoverDataDir,
  runDailyDay,
  snapshotBuild,
  summarizedDays,
} from './daily-run.ts';
import { DaySession } from './day-run.ts';

export interface ScheduleOptions extends Omit<DailyRunOptions, 'day'> {
  /** Daily update time, HH:MM Beijing time. */
  updateTime: string;
  retentionDays: number;
  /** Oldest day the node may process when it has no history (defaults to retentionDays back). */
  firstDay?: string;
  /** The clock a publication is stamped with when it happens (default: `now`, fixed). */
  clock?: Clock;
}

/** Something wrong with the input, by stable code (error-table.ts). */
export interface ScheduleWarning {
  code: 'INPUT_PARTIAL' | 'DAY_WITHOUT_RECORDS';
  day?: string;
  file?: string;
  reason?: string;
}

export interface ScheduleOutcome {
  ran: DailyRunReport[];
  /** Of the days run, those that had been run before (their input or the day before changed). */
  rerun: string[];
  published?: string;
  publishedAt?: number;
  /** The snapshot of the query day was built by this pass without a day run (a killed pass left it out). */
  rebuilt?: string;
  removed: string[];
  /** What killed passes had left half done, put right. */
  recovered: string[];
  /** Unreadable signaling files (input lost) and days of this pass that read no record. */
  warnings: ScheduleWarning[];
  /** The pass did nothing: another one holds the data directory (a long pass overlapping the next). */
  busy?: boolean;
}

/** `08:00` → ms after midnight (domain's parser; the CLI and the apps' configuration check it first). */
function parseUpdateTime(s: string): number {
  const ms = parseTimeOfDay(s);
  if (Number.isNaN(ms)) throw new RangeError(`update time must be HH:MM, got ${s}`);
  return ms;
}

/** The instant of the next update time after `now`. */
export function nextUpdateAt(now: number, updateTime: string): number {
  const today = beijingDate(now);
  const at = beijingDayStart(today) + parseUpdateTime(updateTime);
  return at > now ? at : at + DAY_MS;
}

/** The signaling files as the index sees them now (brought up to date), and the ones that cannot be read at all. */
export async function refreshFileIndex(
  input: string,
  data: string,
): Promise<{ root: string; files: SignalingFile[]; index: FileIndex; unreadable: ScheduleWarning[] }> {
  const dir = await inspectInput(input);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    const found = new Quarantine(Number.POSITIVE_INFINITY);
    const files = await usableFiles(conn, dir, found);
    const index = await indexFiles(conn, files, join(data, 'file-index.json'));
    const unreadable: ScheduleWarning[] = found.samples.map((s) => ({
      code: 'INPUT_PARTIAL',
      file: s.file,
      reason: s.text,
    }));
    for (const f of files) {
      const e = index.get(f.path);
      if (e?.error) unreadable.push({ code: 'INPUT_PARTIAL', file: f.path, reason: e.error });
    }
    return { root: dir.root, files, index, unreadable };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function runSchedule(opts: ScheduleOptions): Promise<ScheduleOutcome> {
  const release = lockDir(opts.data);
  if (!release) return { ran: [], rerun: [], removed: [], recovered: [], warnings: [], busy: true };
  try {
    return await schedulePass(opts);
  } finally {
    release();
  }
}

async function schedulePass(opts: ScheduleOptions): Promise<ScheduleOutcome> {
  const recovered = recoverDataDir(opts.data);
  const today = beijingDate(opts.now);
  const due = opts.now >= beijingDayStart(today) + parseUpdateTime(opts.updateTime);
  const target = due ? today : addDays(today, -1); // the query day whose snapshot should be published
  // Every finished day is run as soon as it ends (DATA.md: published at the update time, built before it).
  const lastDay = addDays(today, -1);
  const oldest = addDays(today, -opts.retentionDays);
  const { root, files, index, unreadable } = await refreshFileIndex(opts.input, opts.data);
  const have = summarizedDays(opts.data).filter((d) => d >= oldest && d <= lastDay);
  const from = have[0] ?? opts.firstDay ?? addDays(target, -opts.retentionDays);
  const out: ScheduleOutcome = { ran: [], rerun: [], removed: [], recovered, warnings: [...unreadable] };
  // The days of a pass share DuckDB, the registries and the pseudonyms (a node catching up runs many).
  const session = new DaySession();
  try {
    await runDue(opts, { from, lastDay, oldest, root, files, index }, out, session);
  } finally {
    session.close();
  }
  // A pass killed between a day and its snapshot left the snapshot out or stale: built from what is there.
  if (
    readDayState(opts.data, addDays(target, -1)) &&
    (await ensureSnapshot({ ...opts, date: target, since: oldest })) &&
    !out.ran.some((r) => r.snapshotDate === target)
  ) {
    out.rebuilt = target;
  }
  const pub = readPublished(opts.data);
  const build = snapshotBuild(opts.data, target);
  if (build && (pub === undefined || pub.date < target || (pub.date === target && pub.build !== build))) {
    const at = (opts.clock ?? { now: () => opts.now }).now();
    publishSnapshot(opts.data, target, at, opts.crashAt);
    out.published = target;
    out.publishedAt = at;
  }
  crashPoint(opts.crashAt, 'published');
  out.removed = enforceRetention({
    data: opts.data,
    input: opts.input,
    today,
    retentionDays: opts.retentionDays,
    now: opts.now,
    index,
    crashAt: opts.crashAt,
  });
  return out;
}

/** Runs, oldest first, the days from `from` to `lastDay` whose summary is missing or no longer matches. */
async function runDue(
  opts: ScheduleOptions,
  p: { from: string; lastDay: string; oldest: string; root: string; files: SignalingFile[]; index: FileIndex },
  out: ScheduleOutcome,
  session: DaySession,
): Promise<void> {
  const { from, lastDay, oldest, root, files, index } = p;
  for (let day = from; day <= lastDay; day = addDays(day, 1)) {
    const st = readDayState(opts.data, day);
    const before = readDayState(opts.data, addDays(day, -1));
    // The oldest day kept has lost the day before to retention: it cannot be run again with its carry.
    const anchor = day === from && day <= oldest && before === undefined && st !== undefined;
    const valid =
      st !== undefined &&
      (anchor ||
        (st.carryIn === (before?.carryHash ?? null) &&
          JSON.stringify(st.inputs) === JSON.stringify(dayInputs(root, files, index, day, opts.now))));
    if (valid) continue;
    const report = await runDailyDay({ ...opts, day, session });
    out.ran.push(report);
    if (st) out.rerun.push(day);
    if (report.warnings.includes('DAY_WITHOUT_RECORDS')) out.warnings.push({ code: 'DAY_WITHOUT_RECORDS', day });
  }
}
