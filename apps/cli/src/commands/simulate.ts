// `itinerary-card simulate`: a world in the DATA.md input format plus its ground truth.
import { resolve } from 'node:path';
import { AppError } from '@itinerary-card/domain';
import {
  COVERAGE_HELP,
  COVERAGE_MODELS,
  type CoverageModel,
  isCoverageModel,
  type SignalingFormat,
  type simulate,
} from '@itinerary-card/simulator';
import { type Command, InvalidArgumentError } from 'commander';
import { isoDate, positiveInt } from '../options.ts';

function parseFormat(v: string): SignalingFormat {
  if (v !== 'csv' && v !== 'csv.gz' && v !== 'parquet')
    throw new InvalidArgumentError('expected csv, csv.gz or parquet');
  return v;
}

function parseCoverage(v: string): CoverageModel {
  if (!isCoverageModel(v)) throw new InvalidArgumentError(`expected one of ${COVERAGE_MODELS.join(', ')}`);
  return v;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('generate a world: DIR/input (DATA.md format), DIR/truth.jsonl (ground truth), DIR/world.json')
    .requiredOption('--out <dir>', 'output directory')
    .option('--subscribers <n>', 'number of subscribers', positiveInt(20_000_000), 1000)
    .option('--days <n>', 'number of simulated days', positiveInt(31), 8)
    .option(
      '--end-date <YYYY-MM-DD>',
      'last simulated day (the natural query day is the day after)',
      isoDate,
      '2022-09-07',
    )
    .option('--seed <s>', 'seed: same seed, same bytes', '1')
    .option('--format <csv|csv.gz|parquet>', 'signaling file format', parseFormat, 'csv.gz' as SignalingFormat)
    .option(
      '--coverage <model>',
      `how cells serve people near a border: ${COVERAGE_MODELS.map((m) => `${m} (${COVERAGE_HELP[m]})`).join('; ')}`,
      parseCoverage,
      'pingpong' as CoverageModel,
    )
    .action(
      async (o: {
        out: string;
        subscribers: number;
        days: number;
        endDate: string;
        seed: string;
        format: SignalingFormat;
        coverage: CoverageModel;
      }) => {
        const tty = process.stderr.isTTY;
        const t0 = performance.now();
        let res: Awaited<ReturnType<typeof simulate>>;
        try {
          const { simulate: run } = await import('@itinerary-card/simulator');
          res = await run({
            out: resolve(o.out),
            subscribers: o.subscribers,
            days: o.days,
            endDate: o.endDate,
            seed: /^\d+$/.test(o.seed) ? Number(o.seed) : o.seed,
            format: o.format,
            coverage: o.coverage,
            onProgress: (done, total) => {
              if (tty) process.stderr.write(`\rsimulate: ${done}/${total} subscribers`);
              // Scheduled or piped runs get a structured line every 100,000 subscribers, like compute.
              else if (done % 100_000 === 0 || done === total)
                process.stderr.write(
                  `${JSON.stringify({ level: 'info', task: 'simulate', msg: 'progress', done, total, time: new Date().toISOString() })}\n`,
                );
            },
          });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          process.stderr.write(`itinerary-card simulate: ${e.code}: ${String(e.details.reason ?? e.message)}\n`);
          process.exitCode = 2;
          return;
        }
        if (tty) process.stderr.write('\n');
        const s = res.stats;
        const secs = (performance.now() - t0) / 1000;
        const lines = [
          `simulate: ${s.subscribers} subscribers x ${s.days} days (seed ${o.seed}, coverage ${o.coverage}) → ${resolve(o.out)}`,
          `  input          ${res.inputDir} (${s.cells} cells, ${o.format})`,
          `  truth          ${res.truthFile}`,
          `  records        ${s.records} generated, ${s.lines} lines written, ${(s.bytes / 1e6).toFixed(1)} MB of signaling`,
          `  dirty lines    ${s.invalidLines} invalid (malformed ${['bad_msisdn', 'bad_ts', 'missing_columns', 'garbage'].map((k) => `${k} ${s[`dirt.malformed.${k}`] ?? 0}`).join(', ')}; unknown cell ${s['dirt.unknownCell'] ?? 0}), duplicates ${s['dirt.duplicates'] ?? 0}, out of order ${s['dirt.outOfOrder'] ?? 0}, late to next day ${s['dirt.lateNextDay'] ?? 0}`,
          `  speed          ${secs.toFixed(1)} s: ${Math.round(s.records / secs)} records/s, ${Math.round(s.subscribers / secs)} subscribers/s`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
