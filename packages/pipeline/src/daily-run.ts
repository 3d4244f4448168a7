// The operator node's daily operation: each day's run reads that day's
// signaling plus the stays carried over from the day before, writes the day's
// per-subscriber summary (pseudonymised), and builds the snapshot for the next
// query day as the union of the last 7 and 14 daily summaries. Publishing it is
// a separate atomic step taken at the daily update time.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, DAY_MS, isIsoDate, maskPhone, type Operator, type SubscriberKind } from '@itinerary-card/domain';
import type { EngineParams } from '@itinerary-card/stay-engine';
import { replaceDirAtomic, sweepLeftovers, writeFileAtomic } from './atomic-files.ts';
import { subscriberAnswer } from './compute.ts';
import { type DayRunContext, type DayRunOptions, runDays } from './day-run.ts';
import { pseudonymizer } from './pseudonym.ts';
import { CarryCodec, type StoredCarry } from './stored-carry.ts';

export interface DailyRunOptions {
  input: string;
  data: string;
  /** The day whose signaling is processed (YYYY-MM-DD); the snapshot built serves day+1. */
  day: string;
  operator: Operator;
  pseudonymKey: string;
  now: number;
  params?: EngineParams;
  shardRecords?: number;
  threads?: number;
  parallelMinRecords?: number;
  onProgress?: DayRunOptions['onProgress'];
}

export interface DailyRunReport {
  day: string;
  snapshotDate: string;
  recordsRead: number;
  recordsUsed: number;
  rejected: Record<string, number>;
  subscribers: number;
  subscribersWithRecords: number;
  carried: number;
  durationMs: number;
}

interface DaySummary {
  c: string[];
  k: string[];
}

const daysDir = (data: string) => join(data, 'days');
const snapshotsDir = (data: string) => join(data, 'snapshots');

function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: T[] = [];
  for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
  return out;
}

/** The lines of a day's summary, or undefined when that day has none. */
function readSummary(data: string, day: string): Array<{ p: string } & DaySummary> | undefined {
  const path = join(daysDir(data), day, 'summary.jsonl');
  if (!existsSync(path)) return undefined;
  return readJsonLines<{ p: string } & DaySummary>(path);
}

/**
 * A subscriber's cities and countries over the last 7 and 14 days. The arrays
 * are never changed in place (a day's own array is shared until a later day
 * adds to it), so most subscribers, in the same places day after day, cost no copy.
 */
interface Windows {
  in7: boolean;
  c7: readonly string[];
  k7: readonly string[];
  c14: readonly string[];
  k14: readonly string[];
}

function union(into: readonly string[], add: readonly string[]): readonly string[] {
  let out: string[] | undefined;
  for (const x of add) {
    if ((out ?? into).includes(x)) continue;
    out ??= [...into];
    out.push(x);
  }
  return out ?? into;
}

export async function runDailyDay(opts: DailyRunOptions): Promise<DailyRunReport> {
  const t0 = performance.now();
  if (!isIsoDate(opts.day)) throw new RangeError(`not a day: ${opts.day}`);
  sweepLeftovers(daysDir(opts.data));
  sweepLeftovers(snapshotsDir(opts.data));
  const keyOf = pseudonymizer(opts.pseudonymKey);
  const carryIn = new Map(
    readJsonLines<StoredCarry & { p: string }>(join(daysDir(opts.data), addDays(opts.day, -1), 'carry.jsonl')).map(
      (r) => [r.p, r],
    ),
  );
  let ctx!: DayRunContext;
  const pseudo: string[] = [];
  const pseudoOf = (sub: number) => {
    let p = pseudo[sub];
    if (p === undefined) {
      p = keyOf(ctx.registries.subscribers[sub]!.msisdn);
      pseudo[sub] = p;
    }
    return p;
  };
  let codec!: CarryCodec;
  const summaries: string[] = [];
  const carries: string[] = [];
  const run = await runDays(
    {
      input: opts.input,
      firstDay: opts.day,
      dayCount: 1,
      fileIndex: join(opts.data, 'file-index.json'),
      now: opts.now,
      params: opts.params,
      shardRecords: opts.shardRecords,
      threads: opts.threads,
      parallelMinRecords: opts.parallelMinRecords,
      onProgress: opts.onProgress,
      carries: (sub) => {
        const stored = carryIn.get(pseudoOf(sub));
        return stored ? codec.decode(stored) : null;
      },
    },
    (sub, days, carry) => {
      const d = days[0]!;
      const p = pseudoOf(sub);
      if (d.hadRecord) {
        const c = d.cities.map((x) => ctx.registries.cityCodes[x]!).sort();
        const k = d.countries.map((x) => ctx.countries.codes[x]!).sort();
        summaries.push(JSON.stringify({ p, c, k }));
      }
      if (carry?.t.length) carries.push(codec.line(p, carry));
    },
    (c) => {
      ctx = c;
      codec = new CarryCodec(c.registries, c.countries);
    },
  );
  summaries.sort();
  carries.sort();
  replaceDirAtomic(join(daysDir(opts.data), opts.day), (tmp) => {
    writeFileSync(join(tmp, 'summary.jsonl'), summaries.length ? `${summaries.join('\n')}\n` : '');
    writeFileSync(join(tmp, 'carry.jsonl'), carries.length ? `${carries.join('\n')}\n` : '');
    // Samples of rejected lines are kept with the day's derived data: numbers masked like everywhere else.
    const masked = run.quarantine.samples.map((s) => ({
      ...s,
      text: s.text.replace(/1[3-9]\d{9}/g, (m) => maskPhone(m)),
    }));
    writeFileSync(join(tmp, 'quarantine.jsonl'), masked.map((s) => `${JSON.stringify(s)}\n`).join(''));
    writeFileSync(
      join(tmp, 'run.json'),
      `${JSON.stringify({ day: opts.day, operator: opts.operator, recordsRead: run.recordsRead, recordsUsed: run.recordsUsed, rejected: run.quarantine.toJSON() }, null, 2)}\n`,
    );
  });
  const snapshotDate = addDays(opts.day, 1);
  const subscribers = buildSnapshotFiles(opts.data, snapshotDate, opts.operator, ctx, pseudoOf, keyOf);
  const report: DailyRunReport = {
    day: opts.day,
    snapshotDate,
    recordsRead: run.recordsRead,
    recordsUsed: run.recordsUsed,
    rejected: run.quarantine.toJSON(),
    subscribers,
    subscribersWithRecords: run.subscribersWithRecords,
    carried: carries.length,
    durationMs: Math.round(performance.now() - t0),
  };
  writeFileAtomic(join(daysDir(opts.data), opts.day, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/**
 * Snapshot for query day D: the union of the daily summaries of D-7..D-1 and
 * D-14..D-1 (each summary read once). `pseudoOf` gives a subscriber's
 * pseudonym by index, computed once per run; `keyOf` any number's.
 */
function buildSnapshotFiles(
  data: string,
  date: string,
  operator: Operator,
  ctx: DayRunContext,
  pseudoOf: (sub: number) => string,
  keyOf: (msisdn: string) => string,
): number {
  const windows = new Map<string, Windows>();
  for (let i = 1; i <= 14; i++) {
    const lines = readSummary(data, addDays(date, -i));
    if (!lines) continue;
    for (const { p, c, k } of lines) {
      const w = windows.get(p);
      if (w === undefined) {
        windows.set(p, { in7: i <= 7, c7: i <= 7 ? c : [], k7: i <= 7 ? k : [], c14: c, k14: k });
        continue;
      }
      w.c14 = union(w.c14, c);
      w.k14 = union(w.k14, k);
      if (i <= 7) {
        w.in7 = true;
        w.c7 = union(w.c7, c);
        w.k7 = union(w.k7, k);
      }
    }
  }
  const { subscribers, indexOf } = ctx.registries;
  const lines: string[] = [];
  for (let i = 0; i < subscribers.length; i++) {
    const s = subscribers[i]!;
    const p = pseudoOf(i);
    const windowsOf = (m: string): Windows | undefined => {
      const j = m === s.msisdn ? i : indexOf.get(m);
      // A primary no longer in the registry may still have summaries from earlier days.
      return windows.get(j === undefined ? keyOf(m) : pseudoOf(j));
    };
    const a7 = subscriberAnswer(s, date, (m) => {
      const w = windowsOf(m);
      return w?.in7 ? { cities: [...w.c7].sort(), countries: [...w.k7].sort() } : undefined;
    });
    const a14 = subscriberAnswer(s, date, (m) => {
      const w = windowsOf(m);
      return w ? { cities: [...w.c14].sort(), countries: [...w.k14].sort() } : undefined;
    });
    const entry: Record<string, unknown> = {
      p,
      k: s.kind as SubscriberKind,
      s7: a7.status,
      c7: a7.cities,
      n7: a7.countries,
      s14: a14.status,
      c14: a14.cities,
      n14: a14.countries,
    };
    if (s.portedAt) entry.pa = s.portedAt;
    lines.push(JSON.stringify(entry));
  }
  lines.sort();
  replaceDirAtomic(join(snapshotsDir(data), date), (tmp) => {
    writeFileSync(join(tmp, 'snapshot.jsonl'), lines.length ? `${lines.join('\n')}\n` : '');
    writeFileSync(
      join(tmp, 'meta.json'),
      `${JSON.stringify({ operator, date, subscribers: lines.length }, null, 2)}\n`,
    );
  });
  return lines.length;
}

/** Makes the snapshot of `date` the one served, in one atomic rename. */
export function publishSnapshot(data: string, date: string, publishedAt: number): void {
  if (!existsSync(join(snapshotsDir(data), date, 'snapshot.jsonl')))
    throw new RangeError(`no snapshot built for ${date}`);
  writeFileAtomic(join(data, 'published.json'), `${JSON.stringify({ date, publishedAt })}\n`);
}

export function readPublished(data: string): { date: string; publishedAt: number } | undefined {
  const path = join(data, 'published.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as { date: string; publishedAt: number };
}

/**
 * Deletes derived data (daily summaries, snapshots) and raw signaling files
 * older than the retention period; the published snapshot is always kept.
 */
export function enforceRetention(opts: {
  data: string;
  input?: string;
  today: string;
  retentionDays: number;
  now: number;
}): string[] {
  const cutoff = addDays(opts.today, -opts.retentionDays);
  const published = readPublished(opts.data)?.date;
  const removed: string[] = [];
  for (const dir of [daysDir(opts.data), snapshotsDir(opts.data)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const keep = dir === snapshotsDir(opts.data) && name === published;
      if (isIsoDate(name) && name < cutoff && !keep) {
        rmSync(join(dir, name), { recursive: true, force: true });
        removed.push(join(dir, name));
      }
    }
  }
  if (opts.input) {
    const sig = join(opts.input, 'signaling');
    const limit = opts.now - opts.retentionDays * DAY_MS;
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.mtimeMs < limit) {
          rmSync(p, { force: true });
          removed.push(p);
        }
      }
    };
    if (existsSync(sig)) walk(sig);
  }
  return removed;
}

export function snapshotDir(data: string, date: string): string {
  return join(snapshotsDir(data), date);
}

/** Days that have a stored summary, oldest first. */
export function summarizedDays(data: string): string[] {
  if (!existsSync(daysDir(data))) return [];
  return readdirSync(daysDir(data)).filter(isIsoDate).sort();
}
