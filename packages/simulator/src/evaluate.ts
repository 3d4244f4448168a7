// Scores an itinerary result (compute output) against a world's ground truth:
// precision and recall of cities and countries, status accuracy, and false
// positives and negatives by persona and by number kind. Undecidable cases
// (see window-rules.ts) are counted but never scored.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppError, type ItineraryLine, isIsoDate } from '@itinerary-card/domain';
import type { TruthLine } from './truth.ts';
import { type Decision, truthForWindow, windowOf } from './window-rules.ts';

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  /** Listed in the result but undecidable in truth (not scored). */
  undecidable: number;
  precision: number;
  recall: number;
}

export interface GroupCounts {
  subscribers: number;
  /** Cities and countries rightly listed: with the FP and FN, precision and recall per group. */
  cityTp: number;
  countryTp: number;
  cityFp: number;
  cityFn: number;
  countryFp: number;
  countryFn: number;
  statusErrors: number;
}

export interface EvalReport {
  date: string;
  days: number;
  subscribers: number;
  /** Truth subscribers absent from the result, and result lines not in the truth. */
  missing: number;
  unknown: number;
  cities: Score;
  countries: Score;
  status: { correct: number; total: number; accuracy: number; confusion: Record<string, number> };
  undecidable: { cities: number; countries: number };
  byPersona: Record<string, GroupCounts>;
  byKind: Record<string, GroupCounts>;
  /**
   * People who never left their home city in the simulated days, by how far from its border they live
   * (TruthLine.homeBorderKm): how many, and how many got a false city.
   */
  byBorderKm: Array<{ bucket: string; subscribers: number; falseCity: number }>;
  /** The world's coverage model (world.json beside the truth file), when known. */
  coverage?: string;
  /** A few false positives and negatives (masked numbers) for inspection. */
  examples: Array<{ msisdn: string; persona: string; what: string }>;
}

export interface EvaluateOptions {
  truthFile: string;
  result: ItineraryLine[];
  days: 7 | 14;
  /** The query day D of the result (YYYY-MM-DD). */
  date: string;
}

function score(tp: number, fp: number, fn: number, undecidable: number): Score {
  return {
    tp,
    fp,
    fn,
    undecidable,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

function group(): GroupCounts {
  return { subscribers: 0, cityTp: 0, countryTp: 0, cityFp: 0, cityFn: 0, countryFp: 0, countryFn: 0, statusErrors: 0 };
}

function compare(truth: Map<string, Decision>, listed: readonly string[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let und = 0;
  const fps: string[] = [];
  const fns: string[] = [];
  const set = new Set(listed);
  for (const x of set) {
    const d = truth.get(x);
    if (d === 'yes') tp++;
    else if (d === 'undecidable') und++;
    else {
      fp++;
      fps.push(x);
    }
  }
  for (const [x, d] of truth) {
    if (d === 'yes' && !set.has(x)) {
      fn++;
      fns.push(x);
    }
  }
  return { tp, fp, fn, und, fps, fns };
}

function mask(msisdn: string): string {
  return `${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvalReport> {
  if (!isIsoDate(opts.date)) throw new AppError('BAD_REQUEST', { reason: `not a date: ${opts.date}` });
  if (opts.days !== 7 && opts.days !== 14) throw new AppError('BAD_REQUEST', { reason: 'days must be 7 or 14' });
  if (!existsSync(opts.truthFile)) throw new AppError('BAD_REQUEST', { reason: `no truth file at ${opts.truthFile}` });
  const w = windowOf(opts.date, opts.days);
  const results = new Map<string, ItineraryLine>();
  for (const line of opts.result) results.set(line.msisdn, line);
  const seen = new Set<string>();
  const c = { tp: 0, fp: 0, fn: 0, und: 0 };
  const k = { tp: 0, fp: 0, fn: 0, und: 0 };
  const undecidable = { cities: 0, countries: 0 };
  const confusion: Record<string, number> = {};
  let statusCorrect = 0;
  let subscribers = 0;
  let missing = 0;
  const byPersona: Record<string, GroupCounts> = {};
  const byKind: Record<string, GroupCounts> = {};
  const examples: EvalReport['examples'] = [];
  const byBorderKm = BORDER_BUCKETS.map(([bucket]) => ({ bucket, subscribers: 0, falseCity: 0 }));

  const rl = createInterface({ input: createReadStream(opts.truthFile), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of rl) {
    if (!text.trim()) continue;
    let t: TruthLine;
    try {
      t = JSON.parse(text) as TruthLine;
    } catch (e) {
      throw new AppError('BAD_REQUEST', { reason: `truth file is not JSON Lines: ${opts.truthFile}` }, { cause: e });
    }
    subscribers++;
    seen.add(t.msisdn);
    byPersona[t.persona] ??= group();
    byKind[t.numberKind ?? t.kind] ??= group();
    const gp = byPersona[t.persona]!;
    const gk = byKind[t.numberKind ?? t.kind]!;
    gp.subscribers++;
    gk.subscribers++;
    const truth = truthForWindow(t, w);
    for (const d of truth.cities.values()) if (d === 'undecidable') undecidable.cities++;
    for (const d of truth.countries.values()) if (d === 'undecidable') undecidable.countries++;
    const r = results.get(t.msisdn);
    const got = r?.status ?? 'missing';
    confusion[`${truth.status}->${got}`] = (confusion[`${truth.status}->${got}`] ?? 0) + 1;
    if (!r) missing++;
    if (got === truth.status) statusCorrect++;
    else {
      gp.statusErrors++;
      gk.statusErrors++;
    }
    // A new number has no itinerary to score; anything listed for it is a false positive.
    const cityTruth = truth.status === 'new_subscriber' ? new Map<string, Decision>() : truth.cities;
    const countryTruth = truth.status === 'new_subscriber' ? new Map<string, Decision>() : truth.countries;
    const cc = compare(cityTruth, r?.cities ?? []);
    const kk = compare(countryTruth, r?.countries ?? []);
    c.tp += cc.tp;
    c.fp += cc.fp;
    c.fn += cc.fn;
    c.und += cc.und;
    k.tp += kk.tp;
    k.fp += kk.fp;
    k.fn += kk.fn;
    k.und += kk.und;
    gp.cityTp += cc.tp;
    gp.countryTp += kk.tp;
    gk.cityTp += cc.tp;
    gk.countryTp += kk.tp;
    gp.cityFp += cc.fp;
    gp.cityFn += cc.fn;
    gp.countryFp += kk.fp;
    gp.countryFn += kk.fn;
    gk.cityFp += cc.fp;
    gk.cityFn += cc.fn;
    gk.countryFp += kk.fp;
    gk.countryFn += kk.fn;
    if (t.homeBorderKm !== undefined && truth.status !== 'new_subscriber' && neverCrossed(t)) {
      const b = byBorderKm[BORDER_BUCKETS.findIndex(([, hi]) => t.homeBorderKm! < hi)]!;
      b.subscribers++;
      if (cc.fp > 0) b.falseCity++;
    }
    if (examples.length < 12) {
      const what = [
        ...cc.fps.map((x) => `city FP ${x}`),
        ...cc.fns.map((x) => `city FN ${x}`),
        ...kk.fps.map((x) => `country FP ${x}`),
        ...kk.fns.map((x) => `country FN ${x}`),
        ...(got !== truth.status ? [`status ${got} (truth ${truth.status})`] : []),
      ];
      if (what.length) examples.push({ msisdn: mask(t.msisdn), persona: t.persona, what: what.join(', ') });
    }
  }
  let unknown = 0;
  for (const m of results.keys()) if (!seen.has(m)) unknown++;
  return {
    date: opts.date,
    days: opts.days,
    subscribers,
    missing,
    unknown,
    cities: score(c.tp, c.fp, c.fn, c.und),
    countries: score(k.tp, k.fp, k.fn, k.und),
    status: {
      correct: statusCorrect,
      total: subscribers,
      accuracy: subscribers === 0 ? 1 : statusCorrect / subscribers,
      confusion,
    },
    undecidable,
    byPersona,
    byKind,
    byBorderKm,
    ...coverageOf(opts.truthFile),
    examples,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function table(title: string, groups: Record<string, GroupCounts>): string[] {
  const rows = [
    `${title.padEnd(20)} ${'subs'.padStart(7)} ${'cityFP'.padStart(7)} ${'cityFN'.padStart(7)} ${'ctryFP'.padStart(7)} ${'ctryFN'.padStart(7)} ${'status✗'.padStart(8)}`,
  ];
  for (const [name, g] of Object.entries(groups).sort((a, b) => a[0].localeCompare(b[0]))) {
    rows.push(
      `${name.padEnd(20)} ${String(g.subscribers).padStart(7)} ${String(g.cityFp).padStart(7)} ${String(g.cityFn).padStart(7)} ${String(g.countryFp).padStart(7)} ${String(g.countryFn).padStart(7)} ${String(g.statusErrors).padStart(8)}`,
    );
  }
  return rows;
}

const BORDER_BUCKETS: Array<[string, number]> = [
  ['< 2 km', 2],
  ['2-5 km', 5],
  ['5-10 km', 10],
  ['10-20 km', 20],
  ['>= 20 km', Number.POSITIVE_INFINITY],
];

/** One city all the simulated days, never abroad. */
function neverCrossed(t: TruthLine): boolean {
  return t.abroad.length === 0 && new Set(t.stays.map((s) => s.city)).size === 1;
}

function coverageOf(truthFile: string): { coverage?: string } {
  // A truth file without its world.json (copied alone): the model is not known.
  const file = join(dirname(truthFile), 'world.json');
  if (!existsSync(file)) return {};
  const w = JSON.parse(readFileSync(file, 'utf8')) as { coverage?: string };
  return w.coverage ? { coverage: w.coverage } : {};
}

export function formatEvalReport(report: EvalReport, title = 'result'): string {
  const r = report;
  const lines = [
    `== ${title}: D=${r.date}, window ${r.days} days, ${r.subscribers} subscribers (missing from result ${r.missing}, not in truth ${r.unknown})${r.coverage ? `, coverage model ${r.coverage}` : ''}`,
    `cities     precision ${pct(r.cities.precision)}  recall ${pct(r.cities.recall)}  (TP ${r.cities.tp}, FP ${r.cities.fp}, FN ${r.cities.fn}; listed but undecidable ${r.cities.undecidable})`,
    `countries  precision ${pct(r.countries.precision)}  recall ${pct(r.countries.recall)}  (TP ${r.countries.tp}, FP ${r.countries.fp}, FN ${r.countries.fn}; listed but undecidable ${r.countries.undecidable})`,
    `status     accuracy ${pct(r.status.accuracy)}  (${r.status.total - r.status.correct} errors)  ${Object.entries(
      r.status.confusion,
    )
      .filter(([k]) => k.split('->')[0] !== k.split('->')[1])
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
    `undecidable in truth (left out of scoring): ${r.undecidable.cities} city stays, ${r.undecidable.countries} countries`,
    ...table('persona', r.byPersona),
    ...table('number kind', r.byKind),
    'people who never left their city, by distance from home to the border: with a false city / all',
    `  ${r.byBorderKm.map((b) => `${b.bucket}: ${b.falseCity}/${b.subscribers}${b.subscribers ? ` (${pct(b.falseCity / b.subscribers)})` : ''}`).join(';  ')}`,
  ];
  if (r.examples.length) {
    lines.push('examples:');
    for (const e of r.examples) lines.push(`  ${e.msisdn} ${e.persona}: ${e.what}`);
  }
  return lines.join('\n');
}
