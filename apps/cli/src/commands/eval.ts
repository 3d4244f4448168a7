// `itinerary-card eval`: precision and recall of a compute result against a
// simulated world's ground truth, next to the naive rule on the same world.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AppError, type ItineraryLine } from '@itinerary-card/domain';
import type { Command } from 'commander';
import { windowDays } from '../options.ts';

async function readResult(path: string): Promise<ItineraryLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('BAD_REQUEST', { reason: `cannot read result file ${path}` }, { cause: e });
  }
  const out: ItineraryLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ItineraryLine);
    } catch (e) {
      throw new AppError('BAD_REQUEST', { reason: `${path}:${i + 1} is not JSON` }, { cause: e });
    }
  }
  if (out.length === 0) throw new AppError('BAD_REQUEST', { reason: `${path} has no result lines` });
  return out;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score a compute result against a simulated world (truth.jsonl) and compare with the naive rule')
    .requiredOption('--truth <file>', 'truth.jsonl written by simulate')
    .requiredOption('--result <file>', 'compute output (JSON Lines)')
    .option('--days <7|14>', 'window length (default: the result lines’ days)', windowDays)
    .option('--input <dir>', 'world input directory for the naive rule (default: next to the truth file)')
    .option('--no-naive', 'skip the naive-rule comparison')
    .action(async (o: { truth: string; result: string; days?: 7 | 14; input?: string; naive: boolean }) => {
      try {
        await runEval(o);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        process.stderr.write(`itinerary-card eval: ${e.code}: ${String(e.details.reason ?? e.message)}\n`);
        process.exitCode = 2;
      }
    });
}

async function runEval(o: {
  truth: string;
  result: string;
  days?: 7 | 14;
  input?: string;
  naive: boolean;
}): Promise<void> {
  // A result file that cannot be read is reported before the scoring modules load.
  const result = await readResult(resolve(o.result));
  const [{ runNaiveRule }, { evaluate, formatEvalReport }] = await Promise.all([
    import('@itinerary-card/pipeline'),
    import('@itinerary-card/simulator'),
  ]);
  const date = result[0]!.date;
  const days = o.days ?? result[0]!.days;
  const lines = result.filter((l) => l.date === date && l.days === days);
  const report = await evaluate({ truthFile: resolve(o.truth), result: lines, days, date });
  process.stdout.write(`${formatEvalReport(report, `result ${o.result}`)}\n`);
  if (o.naive) {
    const input = resolve(o.input ?? join(dirname(resolve(o.truth)), 'input'));
    const t0 = performance.now();
    const naive = await runNaiveRule({ input, date, days });
    const naiveMs = performance.now() - t0;
    const nr = await evaluate({ truthFile: resolve(o.truth), result: naive, days, date });
    process.stdout.write(
      `\n${formatEvalReport(nr, `naive rule (first-to-last record per run of one city >= 4 h, ${(naiveMs / 1000).toFixed(1)} s)`)}\n`,
    );
    process.stdout.write(
      `\ncompared with the naive rule: city precision ${(report.cities.precision * 100).toFixed(2)}% vs ${(nr.cities.precision * 100).toFixed(2)}%, city recall ${(report.cities.recall * 100).toFixed(2)}% vs ${(nr.cities.recall * 100).toFixed(2)}%, city FP ${report.cities.fp} vs ${nr.cities.fp}, FN ${report.cities.fn} vs ${nr.cities.fn}\n`,
    );
  }
}
