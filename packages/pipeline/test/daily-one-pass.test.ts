// A daily run reads its day's new signaling files once: the native CSV reader indexes
// them and reads their records in the same pass (file-index.ts indexFilesReading), and the
// scan takes those records. What the runs write is what they wrote when each file was
// read twice (indexed, then scanned): day files arriving one a day, a file of the next
// day arriving early with a late record of the day (its own day's run reads it again),
// malformed lines, lines without a time, roaming records; alone and in a session.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import { describe, expect, it, vi } from 'vitest';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { DaySession } from '../src/daily/day-run.ts';
import { bj, DAILY, every, makeInput, type Row, removedAfterAll } from './fixture-input.ts';

/** Per file path: how often the native reader read it (for the index, a scan, or both at once). */
const reads = vi.hoisted(() => ({ onePass: true, passes: new Map<string, number>() }));
vi.mock('@itinerary-card/stay-engine', async (original) => {
  const m = await original<typeof import('@itinerary-card/stay-engine')>();
  const count = (files: ReadonlyArray<{ path: string }>) => {
    for (const f of files) reads.passes.set(f.path, (reads.passes.get(f.path) ?? 0) + 1);
  };
  return {
    ...m,
    indexCsvNative: (...args: Parameters<typeof m.indexCsvNative>) => {
      count(args[0]);
      return m.indexCsvNative(...args);
    },
    readHomeCsvNative: (...args: Parameters<typeof m.readHomeCsvNative>) => {
      if (!reads.onePass) return Promise.resolve(undefined);
      count(args[0]);
      return m.readHomeCsvNative(...args);
    },
    readCsvNative: (...args: Parameters<typeof m.readCsvNative>) => {
      count(args[0]);
      return m.readCsvNative(...args);
    },
  };
});

const { KEY, A, B, NOW } = DAILY;
const cleanup = removedAfterAll();

/** Day d's file (2022-09-01 + d): A and B moving, odd lines; `late` adds records of day d - 1. */
function dayFile(d: number, late = false): string {
  const rows: Row[] = [
    ...every(A, d, 0, 23.5, d % 3 ? 'nc-1' : 'jj-1', 0.5),
    ...every(B, d, 20, 23.5, d % 2 ? 'wh-1' : 'nc-1', 0.5),
    [A, 'garbage', 'nc-1', '', 'tau'], // no time: counted by the file's home day
    [B, bj(d, 21), 'no-such-cell', '', 'tau'],
    [B, bj(d, 22.25), '', '45400', 'data'], // roaming
  ];
  if (late) rows.push([A, bj(d - 1, 23.9), 'wh-1', '', 'late'], [B, bj(d - 1, 23.95), 'jj-1', '', 'late']);
  return `msisdn,ts,cell_id,plmn,event\n${rows.map((r) => r.join(',')).join('\n')}\n${A},${bj(d, 5)},nc-1,,tau,extra\n`;
}

const name = (d: number) => `${addDays('2022-09-01', d)}.csv`;

/**
 * Every file the runs wrote under `days/`, and the file index: the input directory's path,
 * the files' times (each run writes its own input) and durations left out.
 */
function written(input: string, data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const day of readdirSync(join(data, 'days')))
    for (const f of readdirSync(join(data, 'days', day))) {
      let text = readFileSync(join(data, 'days', day, f), 'utf8')
        .replace(/"durationMs": \d+/, '')
        .replaceAll(input, '<input>');
      if (f === 'run.json') {
        const run = JSON.parse(text) as { inputs: unknown[][] };
        for (const entry of run.inputs) entry[4] = entry[4] === null ? null : '<mtime>';
        text = JSON.stringify(run);
      }
      out[`${day}/${f}`] = text;
    }
  const index = JSON.parse(readFileSync(join(data, 'file-index.json'), 'utf8')) as {
    files: Record<string, { mtimeMs: number; strays?: { name: string } }>;
  };
  out['file-index.json'] = JSON.stringify(
    Object.entries(index.files).map(([path, e]) => [
      path.replace(input, '<input>'),
      { ...e, mtimeMs: '<mtime>', strays: e.strays && { ...e.strays, name: '<name>' } },
    ]),
  );
  return out;
}

/**
 * Days 3 to 6, each file written just before its day's run, as a node's input fills; before
 * day 4's run day 5's file comes too, early, with late records of day 4.
 */
async function runDays(session?: DaySession): Promise<Record<string, string>> {
  const input = makeInput([{ msisdn: A }, { msisdn: B }], { [name(2)]: dayFile(2) });
  const data = mkdtempSync(join(tmpdir(), 'ic-one-pass-'));
  cleanup.push(input, data);
  for (let d = 2; d <= 6; d++) {
    if (d !== 5) writeFileSync(join(input, 'signaling', name(d)), dayFile(d));
    if (d === 4) writeFileSync(join(input, 'signaling', name(5)), dayFile(5, true));
    const day = addDays('2022-09-01', d);
    await runDailyDay({ input, data, day, operator: 'cmcc', pseudonymKey: KEY, now: NOW, session, snapshot: false });
  }
  return written(input, data);
}

describe.skipIf(!nativeShardAvailable())('a daily run reads its new files once', () => {
  it('indexes and reads a day file in one pass, and writes what two passes wrote', async () => {
    reads.onePass = false;
    const twice = await runDays();
    reads.onePass = true;
    reads.passes.clear();
    const once = await runDays();
    // Every day file read once by the native reader, for the index and its own day's run at
    // once; day 5's, indexed with day 4's run, once more by its own day's run (day 4's run
    // reads its late records' copy, its strays).
    const byName = Object.fromEntries(
      [...reads.passes].map(([p, n]) => [p.includes('/strays/') ? 'strays' : p.slice(p.lastIndexOf('/') + 1), n]),
    );
    expect(byName).toEqual({ [name(2)]: 1, [name(3)]: 1, [name(4)]: 1, [name(5)]: 2, [name(6)]: 1, strays: 1 });
    expect(Object.keys(once)).toHaveLength(5 * 5 + 1);
    expect(once).toEqual(twice);
    // Each day counts its own malformed line and its line without a time; day 4 counts day 5's late records.
    const run = (day: string) =>
      JSON.parse(once[`${day}/run.json`]!) as { rejected: Record<string, number>; recordsUsed: number };
    expect(run('2022-09-05').rejected).toMatchObject({ malformed_line: 1, bad_timestamp: 1 });
    expect(run('2022-09-05').recordsUsed).toBe(run('2022-09-04').recordsUsed + 2);
    const session = new DaySession();
    const shared = await runDays(session).finally(() => session.close());
    expect(shared).toEqual(twice);
  }, 60_000);
});
