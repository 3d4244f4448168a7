// `itinerary-card compute`: the 7- or 14-day itinerary of every number in the
// subscriber registry for query day D (DATA.md), from the signaling files.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  addDays,
  beijingDayStart,
  DAY_MS,
  type ItineraryLine,
  type ItineraryStatus,
  NEW_SUBSCRIBER_DAYS,
  type WindowDays,
} from '@itinerary-card/domain';
import type { EngineParams } from '@itinerary-card/stay-engine';
import { type DayRunOptions, runDays, type StayEngineKind } from '../daily/day-run.ts';
import type { Subscriber } from '../read/registry.ts';
import { WindowResults } from './window-results.ts';

export interface ComputeOptions {
  input: string;
  date: string;
  days: WindowDays;
  now: number;
  /** Days read before the window so stays begun earlier are measured from their start. */
  lookbackDays?: number;
  shardRecords?: number;
  threads?: number;
  parallelMinRecords?: number;
  params?: EngineParams;
  /** False runs the stays in TypeScript even where the native engine is built (see DayRunOptions.nativeEngine). */
  nativeEngine?: boolean;
  onProgress?: DayRunOptions['onProgress'];
  onTiming?: DayRunOptions['onTiming'];
}

export interface ComputeSummary {
  date: string;
  days: WindowDays;
  recordsRead: number;
  recordsUsed: number;
  recordsOutsideWindow: number;
  rejected: Record<string, number>;
  subscribers: number;
  statuses: Record<ItineraryStatus, number>;
  shards: number;
  /** Records per shard the run was planned with (see ComputeOptions.shardRecords). */
  shardRecords: number;
  /** Which stay engine ran. */
  engine: StayEngineKind;
  /** Whether it read the records where DuckDB made them (the native engine, one shard). */
  inPlace: boolean;
  /** CSV files read by the native CSV reader rather than DuckDB (the native engine, one shard). */
  nativeCsvFiles: number;
  /** Parquet files read by the native Parquet reader rather than DuckDB (the native engine, one shard). */
  nativeParquetFiles: number;
  /** Signaling files that could not be read (input lost: the answers lack their records). */
  unreadableFiles: number;
  durationMs: number;
}

export interface ComputeResult {
  lines: ItineraryLine[];
  summary: ComputeSummary;
  samples: import('../read/quarantine.ts').RejectSample[];
}

/** Day starts of the dates seen lately: each subscriber is tested for every window, and activation dates repeat. */
const dayStarts = new Map<string, number>();

function dayStart(date: string): number {
  let t = dayStarts.get(date);
  if (t === undefined) {
    t = beijingDayStart(date);
    if (dayStarts.size >= 100_000) dayStarts.clear();
    dayStarts.set(date, t);
  }
  return t;
}

/** A number opened less than 7 days before D gets no itinerary. */
export function isNewSubscriber(s: Subscriber, date: string): boolean {
  return (dayStart(date) - dayStart(s.activatedAt)) / DAY_MS < NEW_SUBSCRIBER_DAYS;
}

export interface WindowResult {
  cities: string[];
  countries: string[];
}

/**
 * DATA.md's subscriber rules, for every producer of itinerary answers (compute,
 * the daily snapshots, the naive rule): a number opened less than 7 days before
 * D is new_subscriber; a secondary number gets its primary's result; a number
 * without a result in the window is no_data.
 */
export function subscriberAnswer(
  s: Subscriber,
  date: string,
  resultOf: (msisdn: string) => WindowResult | undefined,
): { status: ItineraryStatus } & WindowResult {
  if (isNewSubscriber(s, date)) return { status: 'new_subscriber', cities: [], countries: [] };
  const r = resultOf(s.kind === 'secondary' ? (s.primaryMsisdn ?? '') : s.msisdn);
  return r
    ? { status: 'ok', cities: r.cities, countries: r.countries }
    : { status: 'no_data', cities: [], countries: [] };
}

export async function compute(opts: ComputeOptions): Promise<ComputeResult> {
  const t0 = performance.now();
  const lookback = opts.lookbackDays ?? 2;
  const firstDay = addDays(opts.date, -opts.days - lookback);
  const dayCount = opts.days + lookback;
  const windowFrom = lookback; // index of the window's first day among the days run
  // Per subscriber: the window's cities and countries, and whether it had records.
  let results: WindowResults | undefined;
  const run = await runDays(
    {
      input: opts.input,
      firstDay,
      dayCount,
      now: opts.now,
      shardRecords: opts.shardRecords,
      threads: opts.threads,
      parallelMinRecords: opts.parallelMinRecords,
      params: opts.params,
      nativeEngine: opts.nativeEngine,
      onProgress: opts.onProgress,
      onTiming: opts.onTiming,
      carryOut: false, // every day of the window is run here: nothing is carried on
    },
    (sub, days) => results!.add(sub, days),
    (ctx) => {
      results = new WindowResults(ctx.registries.subscribers.length, windowFrom, dayCount);
    },
  );
  const { registries, countries: countryTable } = run;
  const subs = registries.subscribers;
  const statuses: Record<ItineraryStatus, number> = { ok: 0, no_data: 0, new_subscriber: 0 };
  const found = results ?? new WindowResults(subs.length, windowFrom, dayCount);
  const resultAt = (i: number | undefined): WindowResult | undefined => {
    if (i === undefined || !found.hadRecord(i)) return undefined;
    return { cities: found.cities(i, registries.cityCodes), countries: found.countries(i, countryTable.codes) };
  };
  const lineOf = (i: number): ItineraryLine => {
    const s = subs[i]!;
    // A number's own result is found by its index; a secondary's primary, by number.
    const a = subscriberAnswer(s, opts.date, (m) => resultAt(m === s.msisdn ? i : registries.indexOf.get(m)));
    return {
      msisdn: s.msisdn,
      date: opts.date,
      days: opts.days,
      status: a.status,
      cities: a.cities,
      countries: a.countries,
    };
  };
  const lines: ItineraryLine[] = new Array(subs.length);
  for (let i = 0; i < subs.length; i++) {
    lines[i] = lineOf(i);
    statuses[lines[i]!.status]++;
  }
  return {
    lines,
    samples: run.quarantine.samples,
    summary: {
      date: opts.date,
      days: opts.days,
      recordsRead: run.recordsRead,
      recordsUsed: run.recordsUsed,
      recordsOutsideWindow: run.outside,
      rejected: run.quarantine.toJSON(),
      subscribers: subs.length,
      statuses,
      shards: run.shards,
      shardRecords: run.shardRecords,
      engine: run.engine,
      inPlace: run.inPlace,
      nativeCsvFiles: run.nativeCsvFiles,
      nativeParquetFiles: run.nativeParquetFiles,
      unreadableFiles: run.quarantine.counts.get('unreadable_file') ?? 0,
      durationMs: Math.round(performance.now() - t0),
    },
  };
}

/** Writes lines as JSON Lines (DATA.md `compute` output). */
export async function writeLines(path: string, lines: Iterable<ItineraryLine>): Promise<void> {
  const out = createWriteStream(path);
  let batch = '';
  for (const l of lines) {
    batch += `${JSON.stringify(l)}\n`;
    if (batch.length > 1 << 16) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}
