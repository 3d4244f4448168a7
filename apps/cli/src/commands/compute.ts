// `itinerary-card compute`: DATA.md's batch computation of every number's itinerary.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError, errorMessage } from '@itinerary-card/domain';
import type { Command } from 'commander';
import {
  ALLOW_PARTIAL_OPTION,
  isoDate,
  PARTIAL_EXIT,
  SHARD_RECORDS_OPTION,
  stayEngine,
  windowDays,
} from '../options.ts';
import { progressReporter } from '../progress.ts';

export function registerCompute(program: Command): void {
  program
    .command('compute')
    .description('compute the 7- or 14-day itinerary of every number in subscribers.csv (DATA.md)')
    .requiredOption('--input <dir>', 'input directory: cells.csv, subscribers.csv, signaling/')
    .requiredOption('--date <YYYY-MM-DD>', 'query day D: the window is [D-N 00:00, D 00:00) Beijing time', isoDate)
    .option('--days <7|14>', 'window length in days', windowDays, 7)
    .requiredOption('--out <file>', 'output file (JSON Lines, one line per number)')
    .option('--quarantine <file>', 'where to write samples of rejected records (default: <out>.quarantine.jsonl)')
    .option(SHARD_RECORDS_OPTION.flags, SHARD_RECORDS_OPTION.description, SHARD_RECORDS_OPTION.parse)
    .option(
      '--engine <native|typescript>',
      'stay engine: native (C++, built by npm install; TypeScript where it could not be built) or typescript. Both give the same answers',
      stayEngine,
      'native',
    )
    .option(ALLOW_PARTIAL_OPTION.flags, ALLOW_PARTIAL_OPTION.description)
    .action(
      async (o: {
        input: string;
        date: string;
        days: 7 | 14;
        out: string;
        quarantine?: string;
        shardRecords?: number;
        engine: 'native' | 'typescript';
        allowPartial?: boolean;
      }) => {
        const progress = progressReporter('compute');
        try {
          const { compute, Quarantine, writeLines } = await import('@itinerary-card/pipeline');
          const res = await compute({
            input: resolve(o.input),
            date: o.date,
            days: o.days,
            now: Date.now(),
            shardRecords: o.shardRecords,
            nativeEngine: o.engine === 'native',
            onProgress: progress.update,
          });
          progress.done();
          mkdirSync(dirname(resolve(o.out)), { recursive: true });
          await writeLines(o.out, res.lines);
          const qPath = o.quarantine ?? `${o.out}.quarantine.jsonl`;
          const q = new Quarantine(Number.POSITIVE_INFINITY);
          for (const s of res.samples) q.add(s.reason, s, 0);
          await q.write(qPath);
          const s = res.summary;
          const rejected = Object.entries(s.rejected);
          const lines = [
            `compute ${s.date} (${s.days} days): ${s.subscribers} numbers → ${o.out}`,
            `  records read      ${s.recordsRead}`,
            `  records used      ${s.recordsUsed}`,
            `  outside the days  ${s.recordsOutsideWindow}`,
            ...(s.unreadableFiles
              ? [`  unreadable files  ${s.unreadableFiles} (input lost: the answers lack their records)`]
              : []),
            `  rejected          ${rejected.reduce((a, [, n]) => a + n, 0)}${rejected.length ? ` (${rejected.map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
            `  statuses          ok ${s.statuses.ok}, no_data ${s.statuses.no_data}, new_subscriber ${s.statuses.new_subscriber}`,
            `  samples of rejects ${qPath}`,
            ...(s.shards > 1
              ? [`  passes            ${s.shards} (up to about ${s.shardRecords} records each; input read once)`]
              : []),
            `  stay engine       ${s.engine}${o.engine === 'native' && s.engine !== 'native' ? ' (the native engine is not built: npm install builds it with a C++ compiler)' : ''}`,
            ...(s.nativeCsvFiles ? [`  CSV read natively ${s.nativeCsvFiles} file(s) (DuckDB read the others)`] : []),
            ...(s.nativeParquetFiles
              ? [`  Parquet read natively ${s.nativeParquetFiles} file(s) (DuckDB read the others)`]
              : []),
            `  time taken        ${(s.durationMs / 1000).toFixed(2)} s`,
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          if (s.unreadableFiles) {
            const files = res.samples.filter((x) => x.reason === 'unreadable_file').map((x) => `${x.file}: ${x.text}`);
            process.stderr.write(
              `itinerary-card compute: INPUT_PARTIAL: ${errorMessage('INPUT_PARTIAL', 'en')}\n${files.map((f) => `  ${f}\n`).join('')}`,
            );
            if (!o.allowPartial) process.exitCode = PARTIAL_EXIT;
          }
        } catch (e) {
          progress.done();
          if (e instanceof AppError && e.code === 'INPUT_UNUSABLE') {
            process.stderr.write(`itinerary-card compute: input unusable: ${e.details.file}: ${e.details.reason}\n`);
            process.exitCode = 2;
            return;
          }
          throw e;
        }
      },
    );
}
