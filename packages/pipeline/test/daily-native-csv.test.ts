// A daily run has the native CSV reader read its CSV files (plain and gzip), each with
// its `counted` flag (the lines without a valid time counted by the file's home day
// only, malformed lines too), and writes what the same runs write when DuckDB reads
// every file: summaries, carries, quarantine samples and run state, day for day, over
// files holding several days, late records, stray timestamps, malformed lines,
// impossible times, a strays copy and a file the reader declines.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import { describe, expect, it, vi } from 'vitest';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { DaySession } from '../src/daily/day-run.ts';
import { type FileIndex, indexFiles } from '../src/read/file-index.ts';
import { inspectInput } from '../src/read/input-dir.ts';
import { Quarantine } from '../src/read/quarantine.ts';
import { usableFiles } from '../src/read/usable-files.ts';
import { withDuckDb } from './duckdb-fixture.ts';
import { bj, DAILY, every, makeInput, type Row, removedAfterAll } from './fixture-input.ts';

const reader = vi.hoisted(() => ({ on: true, files: 0, read: 0, indexed: 0 }));
vi.mock('@itinerary-card/stay-engine', async (original) => {
  const m = await original<typeof import('@itinerary-card/stay-engine')>();
  return {
    ...m,
    indexCsvNative: (...args: Parameters<typeof m.indexCsvNative>) => {
      if (!reader.on) return undefined;
      return m.indexCsvNative(...args)?.then((found) => {
        reader.indexed += found.declined.filter((d) => d === 0).length;
        return found;
      });
    },
    // A day's new files, indexed and read in one pass: counted as indexed, and as read where kept.
    readHomeCsvNative: async (...args: Parameters<typeof m.readHomeCsvNative>) => {
      if (!reader.on) return undefined;
      const found = await m.readHomeCsvNative(...args);
      if (found) {
        reader.indexed += found.declined.filter((d) => d === 0).length;
        reader.files += found.kept.filter((k) => k === 1).length;
        reader.read += found.kept.filter((k) => k === 1).length;
      }
      return found;
    },
    readCsvNative: (...args: Parameters<typeof m.readCsvNative>) => {
      if (!reader.on) return undefined;
      const pending = m.readCsvNative(...args);
      return pending?.then((found) => {
        reader.files += found.declined.length;
        reader.read += found.declined.filter((d) => d === 0).length;
        return found;
      });
    },
  };
});

const { KEY, A, B, NOW } = DAILY;
const cleanup = removedAfterAll();

const line = (r: Row) => r.join(',');

/** Day files 2..6 (day 4's gzip), each with odd lines; day 5's holds late records of day 4 (a strays copy). */
function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let d = 2; d <= 6; d++) {
    const rows: Row[] = [
      ...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5),
      ...every(B, d, 20, 23.5, d % 2 ? 'wh-1' : 'nc-1', 0.5),
      ['13811112222', bj(d, 1), 'nc-1', '', 'tau'], // not a subscriber
      [A, 'garbage', 'nc-1', '', 'tau'], // no time: counted by the file's home day
      [A, '1999-01-01T00:00:00+08:00', 'nc-1', '', 'tau'], // impossible
      [B, bj(d, 21), 'no-such-cell', '', 'tau'],
      [B, bj(d, 22.25), '', '45400', 'data'], // roaming
    ];
    if (d === 5) rows.push([A, bj(4, 23.9), 'nc-1', '', 'late'], [B, bj(4, 23.95), 'wh-1', '', 'late']);
    if (d === 3) rows.push([A, bj(6, 12), 'wh-1', '', 'stray']); // a stray timestamp, days ahead
    const text = `msisdn,ts,cell_id,plmn,event\n${rows.map(line).join('\n')}\n${A},${bj(d, 5)},nc-1,,tau,extra\n`;
    out[`${addDays('2022-09-01', d)}${d === 4 ? '.csv.gz' : '.csv'}`] = text;
  }
  // A quoted field: the native reader declines this file, DuckDB reads it.
  out['quoted.csv'] = `msisdn,ts,cell_id,plmn,event\n${A},"${bj(6, 3)}",nc-1,,tau\n${B},${bj(6, 4)},wh-1,,tau\n`;
  return out;
}

/**
 * Every file the runs wrote under `days/`, by path, durations left out, and the hashes of
 * the inputs in run.json (the native index hashes records otherwise than DuckDB).
 */
function written(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const day of readdirSync(join(data, 'days')))
    for (const f of readdirSync(join(data, 'days', day))) {
      let text = readFileSync(join(data, 'days', day, f), 'utf8').replace(/"durationMs": \d+/, '');
      if (f === 'run.json') {
        const run = JSON.parse(text) as { inputs: unknown[][] };
        for (const input of run.inputs) input[2] = '-';
        text = JSON.stringify(run);
      }
      out[`${day}/${f}`] = text;
    }
  return out;
}

async function runAll(input: string, session?: DaySession) {
  const data = mkdtempSync(join(tmpdir(), 'ic-daily-csv-'));
  cleanup.push(data);
  for (let day = '2022-09-03'; day <= '2022-09-07'; day = addDays(day, 1))
    await runDailyDay({ input, data, day, operator: 'cmcc', pseudonymKey: KEY, now: NOW, session });
  return written(data);
}

describe.skipIf(!nativeShardAvailable())('daily runs with the native CSV reader', () => {
  it('write what runs write when DuckDB reads every file', async () => {
    const input = makeInput([{ msisdn: A }, { msisdn: B }], files());
    cleanup.push(input);
    reader.on = false;
    const duckdb = await runAll(input);
    reader.on = true;
    reader.files = 0;
    reader.read = 0;
    reader.indexed = 0;
    const native = await runAll(input);
    expect(reader.read).toBeGreaterThan(0);
    expect(reader.read).toBeLessThan(reader.files); // the quoted file went to DuckDB
    expect(reader.indexed).toBe(5); // all but the quoted file, each once
    const session = new DaySession();
    const shared = await runAll(input, session).finally(() => session.close());
    expect(Object.keys(native).length).toBe(5 * 5);
    expect(native).toEqual(duckdb);
    expect(shared).toEqual(duckdb);
    // Each day counts its own malformed line and lines without a valid time once.
    const run = (day: string) => JSON.parse(native[`${day}/run.json`]!) as { rejected: Record<string, number> };
    expect(run('2022-09-05').rejected).toMatchObject({ malformed_line: 1, bad_timestamp: 1, impossible_timestamp: 1 });
    expect(native['2022-09-05/quarantine.jsonl']!.match(/malformed_line/g)).toHaveLength(1);
  }, 60_000);

  it('indexes the files natively: the days and records of DuckDB’s index, a broken gzip file unreadable', async () => {
    const all = files();
    all['cut.csv.gz'] = 'x'; // replaced below by a gzip stream cut short
    const input = makeInput([{ msisdn: A }, { msisdn: B }], all);
    cleanup.push(input);
    const { gzipSync } = await import('node:zlib');
    // Long enough that the input's check of its header reads only its start.
    const long = every(A, 5, 0, 23.99, 'nc-1', 0.001).map(line);
    const whole = gzipSync(`msisdn,ts,cell_id,plmn,event\n${long.join('\n')}\n`);
    writeFileSync(join(input, 'signaling', 'cut.csv.gz'), whole.subarray(0, whole.length - 12));
    const index = async (native: boolean): Promise<FileIndex> => {
      reader.on = native;
      reader.indexed = 0;
      const data = mkdtempSync(join(tmpdir(), 'ic-index-'));
      cleanup.push(data);
      try {
        return await withDuckDb(async (conn) => {
          const dir = await inspectInput(input);
          const usable = await usableFiles(conn, dir, new Quarantine());
          return indexFiles(conn, usable, join(data, 'file-index.json'), 2);
        }, 1);
      } finally {
        reader.on = true;
      }
    };
    const duckdb = await index(false);
    const native = await index(true);
    expect(reader.indexed).toBe(5);
    const shape = (ix: FileIndex) =>
      Object.fromEntries(
        [...ix].map(([path, e]) => [
          path.slice(input.length),
          {
            error: e.error !== undefined,
            days: Object.fromEntries(Object.entries(e.days).map(([d, [n]]) => [d, n])),
            strays: e.strays && { days: e.strays.days, rows: e.strays.rows },
          },
        ]),
      );
    expect(shape(native)).toEqual(shape(duckdb));
    expect(shape(native)['/signaling/cut.csv.gz']!.error).toBe(true);
    expect(shape(native)['/signaling/2022-09-06.csv']!.strays).toEqual({ days: ['2022-09-05'], rows: 2 });
    // A record changed changes its day's hash only; the same records in another order change none.
    const path = join(input, 'signaling', '2022-09-06.csv');
    const before = native.get(path)!.days;
    const lines = all['2022-09-06.csv']!.trim().split('\n');
    const moved = lines.findIndex((l) => l.includes('no-such-cell'));
    writeFileSync(path, `${[lines[0], ...lines.slice(1).reverse()].join('\n')}\n`);
    const reordered = (await index(true)).get(path)!.days;
    expect(reordered).toEqual(before);
    lines[moved] = lines[moved]!.replace('no-such-cell', 'nc-1');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const changed = (await index(true)).get(path)!.days;
    expect(changed['2022-09-05']).toEqual(before['2022-09-05']);
    expect(changed['2022-09-06']![0]).toBe(before['2022-09-06']![0]);
    expect(changed['2022-09-06']![1]).not.toBe(before['2022-09-06']![1]);
  }, 60_000);
});
