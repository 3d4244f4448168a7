// `itinerary-card pipeline …`: the operator node's daily operation from the
// command line: run one day, publish a snapshot, run the schedule (once, or
// waiting for each day's update time), enforce retention.
import { resolve } from 'node:path';
import {
  beijingDate,
  isOperator,
  type Operator,
  offsetClock,
  parseInstant,
  parseTimeOfDay,
  systemClock,
} from '@itinerary-card/domain';
import { type Command, InvalidArgumentError } from 'commander';
import { isoDate, SHARD_RECORDS_OPTION } from '../options.ts';
import { progressReporter } from '../progress.ts';

function operator(v: string): Operator {
  if (!isOperator(v)) throw new InvalidArgumentError('expected cmcc, cucc or ctcc');
  return v;
}
function positive(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive whole number');
  return Number(v);
}
function instant(v: string): number {
  const t = parseInstant(v);
  if (Number.isNaN(t))
    throw new InvalidArgumentError('expected ISO-8601 with an offset, e.g. 2022-09-08T09:00:00+08:00');
  return t;
}
function hhmm(v: string): string {
  if (Number.isNaN(parseTimeOfDay(v))) throw new InvalidArgumentError('expected HH:MM');
  return v;
}

/** The pipeline (DuckDB and the stay engine) is loaded by the sub-command that runs, not for `--help`. */
const pipeline = () => import('@itinerary-card/pipeline');

/** The node's pseudonym key: NODE_PSEUDONYM_KEY, at least 16 characters. */
function pseudonymKey(): string {
  const k = process.env.NODE_PSEUDONYM_KEY ?? '';
  if (k.length < 16) {
    process.stderr.write(
      'itinerary-card pipeline: NODE_PSEUDONYM_KEY must be set to a secret of at least 16 characters\n',
    );
    process.exit(2);
  }
  return k;
}

const json = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);

export function registerPipeline(program: Command): void {
  const p = program
    .command('pipeline')
    .description(
      "an operator node's daily runs: summaries, snapshots, publication, retention (key in NODE_PSEUDONYM_KEY)",
    );
  p.command('run-day')
    .description(
      "process one day's signaling with the stays carried from the day before, and build the next day's snapshot",
    )
    .requiredOption('--input <dir>', 'input directory (DATA.md)')
    .requiredOption('--data <dir>', "the node's data directory")
    .requiredOption('--day <YYYY-MM-DD>', 'the day whose records are processed', isoDate)
    .option('--operator <op>', 'cmcc, cucc or ctcc', operator, 'cmcc')
    .option(SHARD_RECORDS_OPTION.flags, SHARD_RECORDS_OPTION.description, SHARD_RECORDS_OPTION.parse)
    .action(async (o: { input: string; data: string; day: string; operator: Operator; shardRecords?: number }) => {
      const { runDailyDay } = await pipeline();
      const progress = progressReporter(`run-day ${o.day}`);
      const r = await runDailyDay({
        input: resolve(o.input),
        data: resolve(o.data),
        day: o.day,
        operator: o.operator,
        pseudonymKey: pseudonymKey(),
        now: Date.now(),
        shardRecords: o.shardRecords,
        onProgress: progress.update,
      });
      progress.done();
      json(r);
    });
  p.command('publish')
    .description('make the snapshot of a query day the one served (atomic)')
    .requiredOption('--data <dir>', "the node's data directory")
    .requiredOption('--date <YYYY-MM-DD>', 'query day of the snapshot', isoDate)
    .action(async (o: { data: string; date: string }) => {
      const { publishSnapshot } = await pipeline();
      publishSnapshot(resolve(o.data), o.date, Date.now());
      json({ published: o.date });
    });
  p.command('schedule')
    .description(
      'catch up on missing days, publish at the update time, enforce retention; --watch keeps doing it daily',
    )
    .requiredOption('--input <dir>', 'input directory (DATA.md)')
    .requiredOption('--data <dir>', "the node's data directory")
    .option('--operator <op>', 'cmcc, cucc or ctcc', operator, 'cmcc')
    .option('--update-time <HH:MM>', 'daily update time, Beijing', hhmm, '08:00')
    .option('--retention-days <n>', 'days of derived and raw data kept', positive, 15)
    .option('--watch', 'keep running and act at each update time')
    .option(SHARD_RECORDS_OPTION.flags, SHARD_RECORDS_OPTION.description, SHARD_RECORDS_OPTION.parse)
    .option(
      '--now <ISO-8601>',
      'act as if it were this instant (backfills, replays); then runs on in real time',
      instant,
    )
    .action(
      async (o: {
        input: string;
        data: string;
        operator: Operator;
        updateTime: string;
        retentionDays: number;
        watch?: boolean;
        now?: number;
        shardRecords?: number;
      }) => {
        const { nextUpdateAt, runSchedule } = await pipeline();
        const key = pseudonymKey();
        const clock = o.now === undefined ? systemClock : offsetClock(o.now);
        // runSchedule is idempotent: it only acts when a day is due, so waking early is harmless.
        const once = async (quiet: boolean) => {
          const r = await runSchedule({
            input: resolve(o.input),
            data: resolve(o.data),
            operator: o.operator,
            pseudonymKey: key,
            now: clock.now(),
            updateTime: o.updateTime,
            retentionDays: o.retentionDays,
            shardRecords: o.shardRecords,
          });
          if (quiet && !r.ran.length && !r.published && !r.removed.length) return;
          json({
            time: new Date().toISOString(),
            ran: r.ran.map((x) => ({
              day: x.day,
              recordsRead: x.recordsRead,
              rejected: x.rejected,
              durationMs: x.durationMs,
            })),
            published: r.published ?? null,
            removed: r.removed.length,
            next: new Date(nextUpdateAt(clock.now(), o.updateTime)).toISOString(),
          });
        };
        await once(false);
        if (!o.watch) return;
        let stop = false;
        let wake = () => {};
        const quit = () => {
          stop = true;
          wake();
        };
        process.once('SIGTERM', quit);
        process.once('SIGINT', quit);
        while (!stop) {
          const wait = Math.min(nextUpdateAt(clock.now(), o.updateTime) - clock.now(), 60_000);
          await new Promise<void>((res) => {
            const t = setTimeout(res, wait);
            wake = () => {
              clearTimeout(t);
              res();
            };
          });
          if (!stop) await once(true);
        }
      },
    );
  p.command('retention')
    .description('delete derived data and raw signaling files older than the retention period')
    .requiredOption('--data <dir>', "the node's data directory")
    .option('--input <dir>', 'input directory whose signaling files are also subject to retention')
    .option('--retention-days <n>', 'days kept', positive, 15)
    .action(async (o: { data: string; input?: string; retentionDays: number }) => {
      const { enforceRetention } = await pipeline();
      const removed = enforceRetention({
        data: resolve(o.data),
        input: o.input && resolve(o.input),
        today: beijingDate(Date.now()),
        retentionDays: o.retentionDays,
        now: Date.now(),
      });
      json({ removed });
    });
}
