import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { enforceRetention, publishSnapshot, readPublished, runDailyDay, snapshotDir } from '../src/daily/daily-run.ts';
import { openSnapshotStore } from '../src/publish/snapshot-store.ts';
import { bj, DAILY, every, makeInput, type Row, removedAfterAll } from './fixture-input.ts';

const { KEY, A, B, NOW } = DAILY;
const S = '13700000006';
const cleanup = removedAfterAll();

function rows(): Row[] {
  const r: Row[] = [['13811112222', bj(4, 1), 'nc-1', '', 'tau']]; // not a subscriber: quarantined on day 5
  for (let d = 0; d < 8; d++) r.push(...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5));
  // A stay from 22:00 on day 4 to 03:00 on day 5 in Wuhan: only the carry-over can see it.
  r.push(
    ...every(B, 4, 12, 21.5, 'nc-1', 0.5),
    ...every(B, 4, 22, 23.5, 'wh-1', 0.5),
    ...every(B, 5, 0, 3, 'wh-1', 0.5),
  );
  r.push(...every(B, 5, 3.5, 10, 'jj-1', 0.5), [B, bj(6, 9), '', '45400', 'data']);
  return r.sort((a, b) => a[1].localeCompare(b[1]));
}

const SUBS = [{ msisdn: A }, { msisdn: B }, { msisdn: S, kind: 'secondary' as const, primary: A }];

function setup() {
  const input = makeInput(SUBS, { 'all.csv': rows() });
  const data = mkdtempSync(join(tmpdir(), 'ic-node-'));
  cleanup.push(input, data);
  return { input, data };
}

async function runRange(input: string, data: string, from: string, to: string) {
  for (let d = from; d <= to; d = addDays(d, 1)) {
    await runDailyDay({
      input,
      data,
      day: d,
      operator: 'cmcc',
      pseudonymKey: KEY,
      now: NOW,
      parallelMinRecords: d.endsWith('5') ? 0 : undefined,
    });
  }
}

describe('a day file holding a few records of the day before', () => {
  /** Runs days 4 and 5 over the files; returns day 4's run.json and its summary and carry. */
  async function run(files: Record<string, Row[]>) {
    const input = makeInput(SUBS, files);
    const data = mkdtempSync(join(tmpdir(), 'ic-node-'));
    cleanup.push(input, data);
    await runRange(input, data, '2022-09-04', '2022-09-05');
    const day = join(data, 'days', '2022-09-04');
    return {
      data,
      state: JSON.parse(readFileSync(join(day, 'run.json'), 'utf8')) as { recordsRead: number; recordsUsed: number },
      summary: readFileSync(join(day, 'summary.jsonl'), 'utf8'),
      carry: readFileSync(join(day, 'carry.bin')).toString('base64'),
    };
  }

  it('has the day before read them from a copy, not the whole file again, with the same answers', async () => {
    // (Fixture day 3 is 2022-09-04.)
    const day4 = [...every(A, 3, 0, 23.5, 'nc-1', 0.5), ...every(B, 3, 12, 21.5, 'nc-1', 0.5)];
    // B's evening in Wuhan comes late, in the next day's file (and one of them twice).
    const late: Row[] = [...every(B, 3, 22, 23.5, 'wh-1', 0.5), [B, bj(3, 23), 'wh-1', '', 'tau']];
    const day5 = [...every(A, 4, 0, 23.5, 'nc-1', 0.5), ...every(B, 4, 0, 10, 'wh-1', 0.5)];
    const split = await run({ '2022-09-04.csv': day4, '2022-09-05.csv': [...late, ...day5] });
    const together = await run({ '2022-09-04.csv': [...day4, ...late], '2022-09-05.csv': day5 });
    expect(split.summary).toBe(together.summary);
    expect(split.carry).toBe(together.carry);
    expect(split.state.recordsUsed).toBe(together.state.recordsUsed);
    // Day 4 read its own file and the copy of the next file's records of day 4 only.
    expect(split.state.recordsRead).toBe(day4.length + late.length);
    expect(readdirSync(join(split.data, 'strays'))).toHaveLength(1);
    expect(existsSync(join(together.data, 'strays'))).toBe(false);
  });
});

describe('a daily run in several shards', () => {
  it('gives the summaries and carries of one shard, each subscriber run once', async () => {
    const out: Record<string, string[]> = {};
    for (const [name, shardRecords] of [
      ['one', undefined],
      ['many', 40],
    ] as const) {
      const { input, data } = setup();
      for (let d = '2022-09-03'; d <= '2022-09-07'; d = addDays(d, 1)) {
        await runDailyDay({ input, data, day: d, operator: 'cmcc', pseudonymKey: KEY, now: NOW, shardRecords });
        const dir = join(data, 'days', d);
        out[name] = [
          ...(out[name] ?? []),
          readFileSync(join(dir, 'summary.jsonl'), 'utf8'),
          readFileSync(join(dir, 'carry.bin')).toString('base64'),
        ];
      }
    }
    expect(out.many).toEqual(out.one);
  });
});

describe('daily incremental runs', () => {
  it('give the same itineraries as one compute over the window', async () => {
    const { input, data } = setup();
    await runRange(input, data, '2022-09-01', '2022-09-08');
    publishSnapshot(data, '2022-09-09', Date.parse('2022-09-09T08:00:00+08:00'));
    const snap = openSnapshotStore(data, { pseudonymKey: KEY }).loadPublished()!;
    expect(snap.date).toBe('2022-09-09');
    for (const days of [7, 14] as const) {
      const { lines } = await compute({ input, date: '2022-09-09', days, now: NOW, lookbackDays: 8 });
      for (const l of lines) {
        const a = snap.lookup(l.msisdn, days)!;
        expect({ status: a.status, cities: a.cities, countries: a.countries }).toEqual({
          status: l.status,
          cities: l.cities,
          countries: l.countries,
        });
      }
    }
    expect(snap.lookup(B, 7)!.cities).toContain('420100'); // carried over midnight
    expect(snap.lookup(B, 7)!.countries).toEqual(['HK']);
    expect(snap.lookup(S, 7)!.kind).toBe('secondary');
    expect(snap.lookup('13111111111', 7)).toBeUndefined();
  });

  it('store no number in clear, and re-running a day gives an identical snapshot', async () => {
    const { input, data } = setup();
    await runRange(input, data, '2022-09-01', '2022-09-05');
    const file = join(snapshotDir(data, '2022-09-06'), 'snapshot.jsonl');
    const first = readFileSync(file, 'utf8');
    for (const f of ['summary.jsonl', 'carry.bin', 'quarantine.jsonl']) {
      expect(readFileSync(join(data, 'days', '2022-09-05', f), 'utf8')).not.toMatch(/"1[3-9]\d{9}"/);
    }
    expect(first).not.toMatch(/"1[3-9]\d{9}"/);
    const quarantine = readFileSync(join(data, 'days', '2022-09-05', 'quarantine.jsonl'), 'utf8');
    expect(quarantine).toContain('138****2222');
    expect(quarantine).not.toContain('13811112222');
    const day = (f: string) => readFileSync(join(data, 'days', '2022-09-05', f), 'latin1');
    const derived = ['summary.jsonl', 'carry.bin', 'quarantine.jsonl'].map(day);
    await runRange(input, data, '2022-09-05', '2022-09-05');
    expect(readFileSync(file, 'utf8')).toBe(first);
    // The day's own derived files too, rejected samples included.
    expect(['summary.jsonl', 'carry.bin', 'quarantine.jsonl'].map(day)).toEqual(derived);
  });

  it('leave the published snapshot served when a run dies halfway, and the next run completes', async () => {
    const { input, data } = setup();
    await runRange(input, data, '2022-09-01', '2022-09-04');
    publishSnapshot(data, '2022-09-05', 1);
    const before = readFileSync(join(snapshotDir(data, '2022-09-05'), 'snapshot.jsonl'), 'utf8');
    const crash = runDailyDay({
      input,
      data,
      day: '2022-09-05',
      operator: 'cmcc',
      pseudonymKey: KEY,
      now: NOW,
      onProgress: (p) => {
        if (p.phase === 'stays') throw new Error('killed');
      },
    });
    await expect(crash).rejects.toThrow('killed');
    expect(readPublished(data)).toMatchObject({ date: '2022-09-05', publishedAt: 1 });
    expect(existsSync(join(data, 'days', '2022-09-05'))).toBe(false);
    expect(openSnapshotStore(data, { pseudonymKey: KEY }).loadPublished()!.date).toBe('2022-09-05');
    await runRange(input, data, '2022-09-05', '2022-09-05');
    expect(readFileSync(join(snapshotDir(data, '2022-09-05'), 'snapshot.jsonl'), 'utf8')).toBe(before);
    expect(existsSync(join(snapshotDir(data, '2022-09-06'), 'snapshot.jsonl'))).toBe(true);
  });

  it('delete derived data past the retention period but keep the published snapshot', async () => {
    const { input, data } = setup();
    await runRange(input, data, '2022-09-01', '2022-09-04');
    publishSnapshot(data, '2022-09-02', 1);
    const removed = enforceRetention({ data, today: '2022-09-05', retentionDays: 2, now: NOW });
    expect(removed.length).toBeGreaterThan(0);
    expect(readdirSync(join(data, 'days')).sort()).toEqual(['2022-09-03', '2022-09-04']);
    expect(readdirSync(join(data, 'snapshots')).sort()).toEqual([
      '2022-09-02',
      '2022-09-03',
      '2022-09-04',
      '2022-09-05',
    ]);
  });
});
