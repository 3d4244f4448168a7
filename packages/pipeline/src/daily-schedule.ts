// The operator node's daily schedule: at the daily update time (08:00 Beijing
// by default), run every day not yet summarised up to yesterday, in order
// (each needs the previous day's carry), publish the snapshot for today in one
// atomic step, then enforce retention. Before the update time the previous
// snapshot stays published. Idempotent: calling it again does nothing new.
import { addDays, beijingDate, beijingDayStart, DAY_MS, parseTimeOfDay } from '@itinerary-card/domain';
import {
  type DailyRunOptions,
  type DailyRunReport,
  enforceRetention,
  publishSnapshot,
  readPublished,
  runDailyDay,
  summarizedDays,
} from './daily-run.ts';

export interface ScheduleOptions extends Omit<DailyRunOptions, 'day'> {
  /** Daily update time, HH:MM Beijing time. */
  updateTime: string;
  retentionDays: number;
  /** Oldest day the node may process when it has no history (defaults to retentionDays back). */
  firstDay?: string;
}

export interface ScheduleOutcome {
  ran: DailyRunReport[];
  published?: string;
  removed: string[];
}

export function parseUpdateTime(s: string): number {
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

export async function runSchedule(opts: ScheduleOptions): Promise<ScheduleOutcome> {
  const today = beijingDate(opts.now);
  const due = opts.now >= beijingDayStart(today) + parseUpdateTime(opts.updateTime);
  const target = due ? today : addDays(today, -1); // the query day whose snapshot should be published
  const done = new Set(summarizedDays(opts.data));
  const last = [...done].sort().at(-1);
  let day = last ? addDays(last, 1) : (opts.firstDay ?? addDays(target, -opts.retentionDays));
  const ran: DailyRunReport[] = [];
  while (day < target) {
    ran.push(await runDailyDay({ ...opts, day }));
    day = addDays(day, 1);
  }
  const out: ScheduleOutcome = { ran, removed: [] };
  const published = readPublished(opts.data)?.date;
  if (published !== target && (ran.length || done.has(addDays(target, -1)))) {
    publishSnapshot(opts.data, target, opts.now);
    out.published = target;
  }
  out.removed = enforceRetention({
    data: opts.data,
    input: opts.input,
    today,
    retentionDays: opts.retentionDays,
    now: opts.now,
  });
  return out;
}
