// `itinerary-card pipeline …`: the operator node's daily operation from the
// command line: run one day, publish a snapshot, run the schedule (once, or
// waiting for each day's update time), enforce retention.
import { resolve } from 'node:path';
import {
  AppError,
  beijingDate,
  errorMessage,
  isOperator,
  type Operator,
  offsetClock,
  parseInstant,
  parseTimeOfDay,
  systemClock,
} from '@itinerary-card/domain';
import { configErrorText } from '@itinerary-card/ops';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readPseudonymKey } from '../config.ts';
import { ALLOW_PARTIAL_OPTION, isoDate, PARTIAL_EXIT, positiveInt, SHARD_RECORDS_OPTION } from '../options.ts';
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

/** The node's pseudonym key: NODE_PSEUDONYM_KEY, at least 16 characters; without it exit 2 naming it. */
function pseudonymKey(): string {
  try {
    return readPseudonymKey();
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'CONFIG_INVALID') throw e;
    process.stderr.write(`itinerary-card pipeline: configuration error: ${configErrorText(e)} (${e.code})\n`);
    process.exit(2);
  }
}

const json = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);

/** A test hook, not for operators: the process kills itself at that step (pipeline's crashPoint). */
const crashAtOption = () => new Option('--crash-at <step>').hideHelp();

/** Says on stderr what input a run lost, by stable code; true when that should fail the command. */
function reportPartial(
  warnings: Array<{ code: 'INPUT_PARTIAL' | 'DAY_WITHOUT_RECORDS'; day?: string; file?: string; reason?: string }>,
  allowPartial: boolean | undefined,
): boolean {
  for (const w of warnings) {
    const where = [w.day, w.file, w.reason].filter(Boolean).join(': ');
    process.stderr.write(
      `itinerary-card pipeline: ${w.code}: ${errorMessage(w.code, 'en')}${where ? ` (${where})` : ''}\n`,
    );
  }
  return warnings.length > 0 && !allowPartial;
}

/** An input or snapshot problem with a stable code: said on stderr, exit 2; anything else is a bug and thrown. */
function failWith(e: unknown): void {
  if (e instanceof AppError && ['INPUT_UNUSABLE', 'SNAPSHOT_NOT_BUILT'].includes(e.code)) {
    const d = e.details as { file?: string; reason?: string; date?: string };
    const where = [d.file, d.reason, d.date].filter(Boolean).join(': ');
    process.stderr.write(
      `itinerary-card pipeline: ${e.code}: ${errorMessage(e.code, 'en')}${where ? ` (${where})` : ''}\n`,
    );
    process.exitCode = 2;
    return;
  }
  throw e;
}

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
    .option(ALLOW_PARTIAL_OPTION.flags, ALLOW_PARTIAL_OPTION.description)
    .option('--now <ISO-8601>', 'the current time, for telling impossible (future) timestamps (replays)', instant)
    .addOption(crashAtOption())
    .action(
      async (o: {
        input: string;
        data: string;
        day: string;
        operator: Operator;
        shardRecords?: number;
        allowPartial?: boolean;
        now?: number;
        crashAt?: string;
      }) => {
        const { lockDir, runDailyDay } = await pipeline();
        const release = lockDir(resolve(o.data));
        if (!release) {
          process.stderr.write(
            `itinerary-card pipeline: another pipeline process is working in ${resolve(o.data)} (see its .lock): try again when it is done\n`,
          );
          process.exitCode = 2;
          return;
        }
        const progress = progressReporter(`run-day ${o.day}`);
        try {
          const r = await runDailyDay({
            input: resolve(o.input),
            data: resolve(o.data),
            day: o.day,
            operator: o.operator,
            pseudonymKey: pseudonymKey(),
            now: o.now ?? Date.now(),
            shardRecords: o.shardRecords,
            onProgress: progress.update,
            crashAt: o.crashAt,
          });
          progress.done();
          json(r);
          const warnings = r.warnings.map((code) => ({ code: code as 'DAY_WITHOUT_RECORDS', day: r.day }));
          const lost = r.unreadableFiles
            ? [
                {
                  code: 'INPUT_PARTIAL' as const,
                  day: r.day,
                  reason: `${r.unreadableFiles} unreadable file(s), see the quarantine`,
                },
              ]
            : [];
          if (reportPartial([...lost, ...warnings], o.allowPartial)) process.exitCode = PARTIAL_EXIT;
        } catch (e) {
          progress.done();
          failWith(e);
        } finally {
          release();
        }
      },
    );
  p.command('publish')
    .description('make the snapshot of a query day the one served (atomic)')
    .requiredOption('--data <dir>', "the node's data directory")
    .requiredOption('--date <YYYY-MM-DD>', 'query day of the snapshot', isoDate)
    .option('--now <ISO-8601>', 'the publication time users see as the update time (replays); default: now', instant)
    .action(async (o: { data: string; date: string; now?: number }) => {
      const { publishSnapshot } = await pipeline();
      const at = o.now ?? Date.now();
      try {
        publishSnapshot(resolve(o.data), o.date, at);
        json({ published: o.date, publishedAt: new Date(at).toISOString() });
      } catch (e) {
        failWith(e);
      }
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
    .option(ALLOW_PARTIAL_OPTION.flags, ALLOW_PARTIAL_OPTION.description)
    .addOption(crashAtOption())
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
        allowPartial?: boolean;
        crashAt?: string;
      }) => {
        const { nextUpdateAt, runSchedule } = await pipeline();
        const key = pseudonymKey();
        const clock = o.now === undefined ? systemClock : offsetClock(o.now);
        // runSchedule is idempotent: it only acts when a day is due or an input changed, so waking early is harmless.
        // Returns whether the pass lost input (see reportPartial).
        const once = async (quiet: boolean): Promise<boolean> => {
          const r = await runSchedule({
            input: resolve(o.input),
            data: resolve(o.data),
            operator: o.operator,
            pseudonymKey: key,
            now: clock.now(),
            clock,
            updateTime: o.updateTime,
            retentionDays: o.retentionDays,
            shardRecords: o.shardRecords,
            crashAt: o.crashAt,
          });
          if (r.busy) {
            // Another pass (a long one overlapping this one under cron) holds the data directory.
            if (!quiet) json({ time: new Date(clock.now()).toISOString(), busy: true });
            return false;
          }
          const acted = r.ran.length || r.published || r.removed.length || r.recovered.length || r.rebuilt;
          if (quiet && !acted) return false;
          json({
            time: new Date(clock.now()).toISOString(),
            ran: r.ran.map((x) => ({
              day: x.day,
              recordsRead: x.recordsRead,
              recordsUsed: x.recordsUsed,
              rejected: x.rejected,
              durationMs: x.durationMs,
            })),
            rerun: r.rerun,
            published: r.published ?? null,
            publishedAt: r.publishedAt === undefined ? null : new Date(r.publishedAt).toISOString(),
            rebuilt: r.rebuilt ?? null,
            recovered: r.recovered,
            removed: r.removed.length,
            warnings: r.warnings,
            status: r.warnings.length ? 'partial' : 'ok',
            next: new Date(nextUpdateAt(clock.now(), o.updateTime)).toISOString(),
          });
          return reportPartial(r.warnings, o.allowPartial);
        };
        if (!o.watch) {
          try {
            if (await once(false)) process.exitCode = PARTIAL_EXIT;
          } catch (e) {
            failWith(e);
          }
          return;
        }
        // With --watch, a failed pass (a registry file missing while it is replaced, …) is said and tried again.
        const pass = (quiet: boolean) =>
          once(quiet).catch((e: unknown) => {
            const code = e instanceof AppError ? e.code : 'INTERNAL';
            json({ time: new Date(clock.now()).toISOString(), error: code, message: (e as Error).message });
          });
        await pass(false);
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
          if (!stop) await pass(true);
        }
      },
    );
  p.command('shard')
    .description(
      "split an operator's input directory by subscriber (CRC-32 of the number mod N) into N shard input directories",
    )
    .requiredOption('--input <dir>', "the operator's input directory (DATA.md; CSV or CSV.gz signaling)")
    .requiredOption('--shards <n>', 'number of shards', positiveInt(64, '--shards'))
    .requiredOption('--out <dir>', 'where shard-0 … shard-<N-1> are written')
    .action(async (o: { input: string; shards: number; out: string }) => {
      const { splitInputByShard } = await import('../shard-split.ts');
      try {
        json(await splitInputByShard(resolve(o.input), o.shards, resolve(o.out)));
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'INPUT_UNUSABLE') throw e;
        process.stderr.write(`itinerary-card pipeline shard: ${(e.cause as Error).message}\n`);
        process.exitCode = 2;
      }
    });
  p.command('retention')
    .description('delete derived data and raw signaling files older than the retention period')
    .requiredOption('--data <dir>', "the node's data directory")
    .option('--input <dir>', 'input directory whose signaling files are also subject to retention')
    .option('--retention-days <n>', 'days kept', positive, 15)
    .option('--now <ISO-8601>', 'act as if it were this instant (replays)', instant)
    .action(async (o: { data: string; input?: string; retentionDays: number; now?: number }) => {
      const { enforceRetention, refreshFileIndex } = await pipeline();
      const now = o.now ?? Date.now();
      try {
        // Raw files go by the days of their records: the index must know every file first.
        const index = o.input ? (await refreshFileIndex(resolve(o.input), resolve(o.data))).index : undefined;
        const removed = enforceRetention({
          data: resolve(o.data),
          input: o.input && resolve(o.input),
          today: beijingDate(now),
          retentionDays: o.retentionDays,
          now,
          index,
        });
        json({ removed });
      } catch (e) {
        failWith(e);
      }
    });
}
