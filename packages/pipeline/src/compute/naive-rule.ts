// The naive rule, for comparison in the accuracy report and the benchmark:
// runs of consecutive records in the same city (DuckDB window functions: lag
// and a running sum), listed when first-to-last observation spans >= 4 h.
// No smoothing of border ping-pong; DuckDB does all of the work.
import { DuckDBInstance } from '@duckdb/node-api';
import {
  addDays,
  beijingDayStart,
  countryOfPlmn,
  DAY_MS,
  type ItineraryLine,
  type WindowDays,
} from '@itinerary-card/domain';
import { inspectInput } from '../read/input-dir.ts';
import { Quarantine } from '../read/quarantine.ts';
import { loadRegistries } from '../read/registry.ts';
import { PLAN_PRAGMA, signalingSource } from '../read/signaling-source.ts';
import { usableFiles } from '../read/usable-files.ts';
import { subscriberAnswer } from './compute.ts';

export interface NaiveOptions {
  input: string;
  date: string;
  days: WindowDays;
  lookbackDays?: number;
  threads?: number;
}

export async function runNaiveRule(opts: NaiveOptions): Promise<ItineraryLine[]> {
  const input = await inspectInput(opts.input);
  const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 2) });
  const conn = await instance.connect();
  try {
    await conn.run(PLAN_PRAGMA);
    const q = new Quarantine(0);
    const side = await instance.connect();
    const reg = await loadRegistries(conn, input, q, side).finally(() => side.closeSync());
    const files = await usableFiles(conn, input, q);
    const we = beijingDayStart(opts.date);
    const ws = we - opts.days * DAY_MS;
    const lo = beijingDayStart(addDays(opts.date, -opts.days - (opts.lookbackDays ?? 2)));
    await conn.run(
      `CREATE OR REPLACE TABLE cell_city AS SELECT cell_id, region_code AS city FROM read_csv('${input.cellsPath.replace(/'/g, "''")}', header = true, all_varchar = true, ignore_errors = true)`,
    );
    const sql = `
WITH ev AS (
  SELECT msisdn, cell_id, plmn, t FROM (${signalingSource(files, false)})
),
valid AS (SELECT * FROM ev WHERE t >= ${lo} AND t < ${we} AND regexp_full_match(msisdn, '1[3-9][0-9]{9}')),
dom AS (SELECT v.msisdn, v.t, c.city FROM valid v JOIN cell_city c ON c.cell_id = v.cell_id),
marked AS (SELECT msisdn, t, city, CASE WHEN city = lag(city) OVER w THEN 0 ELSE 1 END AS brk
  FROM dom WINDOW w AS (PARTITION BY msisdn ORDER BY t)),
runs AS (SELECT msisdn, city, sum(brk) OVER (PARTITION BY msisdn ORDER BY t ROWS UNBOUNDED PRECEDING) AS grp, t FROM marked),
stays AS (SELECT msisdn, city FROM runs GROUP BY msisdn, city, grp
  HAVING max(t) >= ${ws} AND max(t) - min(t) >= ${4 * 3_600_000}),
cities AS (SELECT msisdn, list(DISTINCT city ORDER BY city) AS cities FROM stays GROUP BY msisdn),
roam AS (SELECT msisdn, list(DISTINCT plmn) AS plmns FROM valid
  WHERE (cell_id IS NULL OR cell_id = '') AND plmn IS NOT NULL AND plmn <> '' AND t >= ${ws} GROUP BY msisdn),
seen AS (SELECT DISTINCT msisdn FROM valid WHERE t >= ${ws} AND ((cell_id IS NOT NULL AND cell_id IN (SELECT cell_id FROM cell_city)) OR (plmn IS NOT NULL AND plmn <> '')))
SELECT seen.msisdn, cities.cities, roam.plmns FROM seen LEFT JOIN cities USING (msisdn) LEFT JOIN roam USING (msisdn)`;
    const rows = (await conn.runAndReadAll(sql)).getRows() as Array<
      [string, { items: string[] } | null, { items: string[] } | null]
    >;
    const found = new Map<string, { cities: string[]; countries: string[] }>();
    for (const [msisdn, cities, plmns] of rows) {
      const countries = new Set<string>();
      for (const p of plmns?.items ?? []) {
        const c = countryOfPlmn(p.trim());
        if (c && c !== 'CN') countries.add(c);
      }
      found.set(msisdn, { cities: [...(cities?.items ?? [])].sort(), countries: [...countries].sort() });
    }
    return reg.subscribers.map(
      (s): ItineraryLine => ({
        msisdn: s.msisdn,
        date: opts.date,
        days: opts.days,
        ...subscriberAnswer(s, opts.date, (m) => found.get(m)),
      }),
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * DuckDB reading the input's signaling and nothing else: every column the scan
 * uses, times parsed, summed inside DuckDB, so nothing is handed over. Both
 * compute and the naive rule pay this; the benchmark prints it as the bound of
 * their ratio on that input. Returns the records read.
 */
export async function readSignalingOnly(opts: { input: string; threads?: number }): Promise<number> {
  const input = await inspectInput(opts.input);
  const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 2) });
  const conn = await instance.connect();
  try {
    const files = await usableFiles(conn, input, new Quarantine(0));
    if (!files.length) return 0;
    const r = await conn.runAndReadAll(
      `SELECT count(*), sum(length(msisdn)), sum(length(cell_id)), sum(length(plmn)), sum(length(event)), sum(t) FROM (${signalingSource(files, false)})`,
    );
    return Number(r.getRows()[0]![0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
