// Border accuracy across coverage models: for every model of the simulator and
// several seeds, the stay engine's and the naive rule's city precision and
// recall on the 7- and 14-day windows, per persona, and the false cities of
// border residents. The engine's parameters are judged on this sweep, never on
// one world. `npm run bench border` (BORDER_SUBSCRIBERS, BORDER_SEEDS, BORDER_MODELS to change it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, beijingDayStart } from '@itinerary-card/domain';
import { compute, runNaiveRule } from '@itinerary-card/pipeline';
import { COVERAGE_MODELS, type CoverageModel, type EvalReport, evaluate, simulate } from '@itinerary-card/simulator';

const GOAL = { precision: 0.997, recall: 0.995, borderFalse: 0.005 };

export interface BorderRow {
  model: CoverageModel;
  seed: number;
  days: 7 | 14;
  ours: EvalReport;
  naive: EvalReport;
}

/** Border residents (never crossing) with a false city on the card, as a share of the border residents scored. */
export function borderFalseShare(r: EvalReport): number {
  const g = r.byPersona.border_resident;
  if (!g) return 0;
  return g.cityFp / Math.max(1, g.subscribers);
}

export async function sweep(opts: {
  models: readonly CoverageModel[];
  seeds: number[];
  subscribers: number;
  onRow?: (row: BorderRow) => void;
}): Promise<BorderRow[]> {
  const rows: BorderRow[] = [];
  const endDate = '2022-09-15';
  const date = addDays(endDate, 1);
  for (const model of opts.models) {
    for (const seed of opts.seeds) {
      const out = mkdtempSync(join(tmpdir(), `border-${model}-`));
      try {
        const { inputDir, truthFile } = await simulate({
          out,
          subscribers: opts.subscribers,
          days: 16,
          endDate,
          seed,
          format: 'csv',
          coverage: model,
        });
        for (const days of [7, 14] as const) {
          const now = beijingDayStart(date) + 10 * 3_600_000;
          const res = await compute({
            input: inputDir,
            date,
            days,
            now,
            nativeEngine: process.env.BORDER_ENGINE !== 'typescript',
          });
          const naive = await runNaiveRule({ input: inputDir, date, days });
          const ours = await evaluate({ truthFile, result: res.lines, days, date });
          const nr = await evaluate({ truthFile, result: naive, days, date });
          const row = { model, seed, days, ours, naive: nr };
          rows.push(row);
          opts.onRow?.(row);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  return rows;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatRow(r: BorderRow): string {
  const o = r.ours.cities;
  const n = r.naive.cities;
  const personas = Object.entries(r.ours.byPersona)
    .map(([p, g]) => {
      const ng = r.naive.byPersona[p]!;
      return `${p} fp ${g.cityFp}/${ng.cityFp} fn ${g.cityFn}/${ng.cityFn}`;
    })
    .filter((s) => !/fp 0\/\d+ fn 0\/\d+$/.test(s) || s.includes('border'))
    .join('; ');
  return [
    `${r.model.padEnd(10)} seed ${r.seed} ${String(r.days).padStart(2)} d  ours P ${pct(o.precision)} R ${pct(o.recall)} (fp ${o.fp}, fn ${o.fn})  naive P ${pct(n.precision)} R ${pct(n.recall)} (fp ${n.fp}, fn ${n.fn})  border residents with a false city: ours ${pct(borderFalseShare(r.ours))}, naive ${pct(borderFalseShare(r.naive))}`,
    `           per persona (ours/naive): ${personas}`,
  ].join('\n');
}

export default async function main(): Promise<void> {
  const subscribers = Number(process.env.BORDER_SUBSCRIBERS ?? 3000);
  const seeds = (process.env.BORDER_SEEDS ?? '1,2').split(',').map(Number);
  const models = (process.env.BORDER_MODELS?.split(',') as CoverageModel[] | undefined) ?? COVERAGE_MODELS;
  process.stdout.write(
    `border accuracy: ${subscribers} subscribers x 16 days, seeds ${seeds.join(',')}, models ${models.join(', ')}\n`,
  );
  const rows = await sweep({ models, seeds, subscribers, onRow: (r) => process.stdout.write(`${formatRow(r)}\n`) });
  let met = true;
  for (const r of rows) {
    const o = r.ours.cities;
    if (o.precision < GOAL.precision || o.recall < GOAL.recall || borderFalseShare(r.ours) >= GOAL.borderFalse)
      met = false;
  }
  const minP = Math.min(...rows.map((r) => r.ours.cities.precision));
  const minR = Math.min(...rows.map((r) => r.ours.cities.recall));
  process.stdout.write(
    `\nworst over the sweep: precision ${pct(minP)}, recall ${pct(minR)}; goal (P >= ${pct(GOAL.precision)}, R >= ${pct(GOAL.recall)}, border false < ${pct(GOAL.borderFalse)} on every row): ${met ? 'MET' : 'NOT MET'}\n`,
  );
}
