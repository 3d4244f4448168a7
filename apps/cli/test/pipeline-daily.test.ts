// The operator node's daily operation on a simulated world, run pass by pass as
// an operator would, with each day's file delivered when the day ends (records
// of day d arrive in day d+1's file too, the simulator's late records): the
// schedule notices a late file and late records of a day already run, runs the
// days from there again before the next publication, says when a day read no
// record, and ends with the same snapshot as a node that had every file in
// time, which agrees with `compute` for every subscriber, reject counts too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { compute, openSnapshotStore, readPublished, type ScheduleOutcome, snapshotDir } from '@itinerary-card/pipeline';
import { simulate } from '@itinerary-card/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyNode } from './daily-node.ts';

const KEY = 'daily-operation-key-0123456789';
const FIRST = '2022-09-01';
const LAST = '2022-09-06';
const DAYS = ['2022-09-01', '2022-09-02', '2022-09-03', '2022-09-04', '2022-09-05', '2022-09-06'];
const dir = mkdtempSync(join(tmpdir(), 'cli-daily-'));
let world: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const res = await simulate({ out: join(dir, 'world'), subscribers: 250, days: 6, endDate: LAST, seed: 'daily' });
  world = res.inputDir;
}, 120_000);

const EXTRA = [
  'msisdn,ts,cell_id,plmn,event',
  '13800000001,2099-09-04T10:00:00+08:00,x,,tau',
  '13800000001,1999-09-04T10:00:00+08:00,x,,tau',
  'garbage without commas',
  '1380000,2022-09-03T10:00:00+08:00,x,,tau',
  '13999999999,2022-09-04T10:00:00+08:00,x,,tau',
  '13999999999,not a time,x,,tau',
  '',
].join('\n');

const at = (day: string, hhmm: string) => Date.parse(`${day}T${hhmm}:00+08:00`);

/** A node with the dirt file delivered along with 09-04: impossible dates, garbage, a bad number on the day before. */
const node = (name: string) =>
  dailyNode({
    world,
    dir: join(dir, name),
    pseudonymKey: KEY,
    retentionDays: 15,
    firstDay: FIRST,
    onDeliver: (day, signaling) => {
      if (day === '2022-09-04') writeFileSync(join(signaling, 'extra-0904.csv'), EXTRA);
    },
  });

const published = (data: string) => {
  const p = readPublished(data)!;
  return {
    date: p.date,
    build: p.build,
    text: readFileSync(join(snapshotDir(data, p.date), 'snapshot.jsonl'), 'utf8'),
  };
};

describe('the daily operation on a simulated world', () => {
  it('runs again the days a late file or late records change, before publishing, and ends as if on time', async () => {
    // On time: each day's file is there when the day ends; the pass just after midnight runs the day.
    const clean = node('clean');
    const cleanPasses: ScheduleOutcome[] = [];
    for (const day of DAYS) {
      clean.deliver(day);
      cleanPasses.push(await clean.pass(at(addDays(day, 1), '00:30')));
      cleanPasses.push(await clean.pass(at(addDays(day, 1), '08:00')));
    }
    // Late records: each day's run was run again once the next day's file came with its late records.
    expect(cleanPasses[2]!.rerun).toEqual(['2022-09-01']);
    expect(cleanPasses.flatMap((p) => p.warnings)).toEqual([]);
    const reference = published(clean.data);
    expect(reference.date).toBe('2022-09-07');

    // One file late: 09-03's arrives after 09-04 has run (and been published).
    const late = node('late');
    const passes: ScheduleOutcome[] = [];
    for (const day of DAYS) {
      if (day !== '2022-09-03') late.deliver(day);
      passes.push(await late.pass(at(addDays(day, 1), '00:30')));
      passes.push(await late.pass(at(addDays(day, 1), '08:00')));
      if (day === '2022-09-04') {
        // The 09-03 run read no record of its day: said so, by its stable code.
        const noRecords = passes.flatMap((p) => p.warnings).filter((w) => w.code === 'DAY_WITHOUT_RECORDS');
        expect(noRecords.map((w) => w.day)).toEqual(['2022-09-03']);
        expect(readPublished(late.data)!.date).toBe('2022-09-05');
        // At 10:00 the 09-03 file arrives: the days it changes are run again and the snapshot republished.
        late.deliver('2022-09-03');
        const back = await late.pass(at('2022-09-05', '10:00'));
        expect(back.rerun).toEqual(['2022-09-02', '2022-09-03', '2022-09-04']);
        expect(back.published).toBe('2022-09-05');
        expect(back.publishedAt).toBe(at('2022-09-05', '10:00'));
        expect(back.warnings).toEqual([]);
        passes.push(back);
        // Nothing new: nothing done.
        const idle = await late.pass(at('2022-09-05', '10:05'));
        expect([idle.ran, idle.published, idle.rebuilt]).toEqual([[], undefined, undefined]);
      }
    }
    // Byte for byte the snapshot of a node that had every file in time, days' summaries too.
    expect(published(late.data)).toEqual(reference);
    for (const day of DAYS) {
      for (const f of ['summary.jsonl', 'carry.bin', 'quarantine.jsonl']) {
        // (The quarantine names the files read, in each node's own input directory.)
        expect(readFileSync(join(late.data, 'days', day, f), 'latin1').replaceAll(late.input, '<input>')).toBe(
          readFileSync(join(clean.data, 'days', day, f), 'latin1').replaceAll(clean.input, '<input>'),
        );
      }
    }

    // The same answers as compute over the same files, for every subscriber.
    const snap = openSnapshotStore(late.data, { pseudonymKey: KEY }).loadPublished()!;
    const now = at('2022-09-07', '08:00');
    let rejectedByDays: Record<string, number> = {};
    for (const days of [7, 14] as const) {
      const { lines, summary } = await compute({ input: late.input, date: '2022-09-07', days, now });
      expect(lines.length).toBe(250);
      for (const l of lines) {
        const a = snap.lookup(l.msisdn, days)!;
        expect({ msisdn: l.msisdn, status: a.status, cities: a.cities, countries: a.countries }).toEqual({
          msisdn: l.msisdn,
          status: l.status,
          cities: l.cities,
          countries: l.countries,
        });
      }
      // Every line counted once over the days, as compute counts it once (the 14-day window holds every file's days).
      if (days === 14) {
        rejectedByDays = {};
        for (const day of DAYS) {
          const run = JSON.parse(readFileSync(join(late.data, 'days', day, 'run.json'), 'utf8')) as {
            rejected: Record<string, number>;
          };
          for (const [r, n] of Object.entries(run.rejected)) rejectedByDays[r] = (rejectedByDays[r] ?? 0) + n;
        }
        expect(rejectedByDays).toEqual(summary.rejected);
        expect(summary.rejected.malformed_line).toBeGreaterThan(0);
        expect(summary.rejected.impossible_timestamp).toBe(2);
      }
    }
  }, 300_000);
});
