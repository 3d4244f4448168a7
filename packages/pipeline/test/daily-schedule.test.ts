import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPublished } from '../src/daily/daily-run.ts';
import { nextUpdateAt, runSchedule } from '../src/daily/daily-schedule.ts';
import { openSnapshotStore } from '../src/publish/snapshot-store.ts';
import { bj, every, makeInput, type Row } from './fixture-input.ts';

const A = '13800000001';
const KEY = 'schedule-test-key-0123456789';
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** A node of one subscriber, A, with these signaling files: runSchedule's options but `now`. */
function node(files: Record<string, Row[]>, retentionDays = 15) {
  const input = makeInput([{ msisdn: A }], files);
  const data = mkdtempSync(join(tmpdir(), 'ic-sched-'));
  cleanup.push(input, data);
  return {
    input,
    data,
    operator: 'cmcc' as const,
    pseudonymKey: KEY,
    updateTime: '08:00',
    retentionDays,
    firstDay: '2022-09-01',
  };
}

describe('the daily schedule', () => {
  it('serves the previous snapshot until the update time, then switches in one step', async () => {
    const rows: Row[] = [];
    for (let d = 0; d < 4; d++) rows.push(...every(A, d, 0, 23.5, d === 2 ? 'wh-1' : 'nc-1', 0.5));
    const base = node({ 'a.csv': rows });
    const { data } = base;
    // 2022-09-04 07:59 Beijing: every finished day is run (09-03 too: its snapshot is built ahead of
    // the update), but yesterday's snapshot (for 09-03) is what gets published.
    const early = await runSchedule({ ...base, now: Date.parse('2022-09-04T07:59:00+08:00') });
    expect(early.ran.map((r) => r.day)).toEqual(['2022-09-01', '2022-09-02', '2022-09-03']);
    expect(early.published).toBe('2022-09-03');
    const store = openSnapshotStore(data, { pseudonymKey: KEY });
    expect(store.loadPublished()!.lookup(A, 7)!.cities).toEqual(['360100']);
    // 08:00: the snapshot for 09-04, already built, is published, with Wuhan in it, stamped with the
    // time of publication (the clock), not the start of the pass.
    const at = Date.parse('2022-09-04T08:00:00+08:00');
    const late = await runSchedule({ ...base, now: at, clock: { now: () => at + 1234 } });
    expect(late.ran).toEqual([]);
    expect(late.published).toBe('2022-09-04');
    expect(readPublished(data)).toMatchObject({ date: '2022-09-04', publishedAt: at + 1234 });
    const snap = store.loadPublished()!;
    expect(snap.lookup(A, 7)!.cities).toEqual(['360100', '420100']);
    expect(snap.lookup(A, 7)!.updatedAt).toBe('2022-09-04T08:00:01+08:00');
    // Again at 09:00: nothing new to do.
    const again = await runSchedule({ ...base, now: at + 3_600_000 });
    expect(again.ran).toEqual([]);
    expect(again.published).toBeUndefined();
  });

  it('runs one pass at a time on a data directory, and takes over the lock of a killed one', async () => {
    const rows: Row[] = [];
    for (let d = 0; d < 2; d++) rows.push(...every(A, d, 0, 23.5, 'nc-1', 0.5));
    const base = { ...node({ 'a.csv': rows }), now: Date.parse('2022-09-03T09:00:00+08:00') };
    const { data } = base;
    // A live process holds it (this one, as a pass overlapping another would find it): nothing is done.
    writeFileSync(join(data, '.lock'), String(process.pid));
    const busy = await runSchedule(base);
    expect(busy).toMatchObject({ busy: true, ran: [] });
    expect(readPublished(data)).toBeUndefined();
    // Held by a process that is gone (a killed pass): taken over, and let go at the end.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(data, '.lock'), gone);
    const pass = await runSchedule(base);
    expect(pass.ran.map((r) => r.day)).toEqual(['2022-09-01', '2022-09-02']);
    expect(pass.published).toBe('2022-09-03');
    expect(existsSync(join(data, '.lock'))).toBe(false);
  });

  it('runs again a day late records change, within the retention window only', async () => {
    const files: Record<string, Row[]> = {};
    for (let d = 0; d < 5; d++) files[`2022-09-0${d + 1}.csv`] = every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5);
    const base = node(files, 3);
    const { input } = base;
    const first = await runSchedule({ ...base, now: Date.parse('2022-09-06T09:00:00+08:00') });
    expect(first.ran.map((r) => r.day)).toEqual(['2022-09-01', '2022-09-02', '2022-09-03', '2022-09-04', '2022-09-05']);
    // Kept: 09-03 to 09-05. A late file with a record of 09-03 (whose day before is gone) and one of 09-04.
    writeFileSync(
      join(input, 'signaling', 'late.csv'),
      `msisdn,ts,cell_id,plmn,event\n${A},${bj(2, 23.9)},wh-1,,tau\n${A},${bj(3, 23.9)},wh-1,,tau\n`,
    );
    const second = await runSchedule({ ...base, now: Date.parse('2022-09-06T10:00:00+08:00') });
    // 09-03 cannot be run again without the carry of 09-02: left as it is; 09-04 is, with what follows.
    expect(second.rerun[0]).toBe('2022-09-04');
    expect(second.rerun).not.toContain('2022-09-03');
    // One record changes no answer: the snapshot rebuilt is the same, and is not published again.
    expect(second.published).toBeUndefined();
  });

  it('knows when the next update is due', () => {
    expect(nextUpdateAt(Date.parse('2022-09-04T07:00:00+08:00'), '08:00')).toBe(
      Date.parse('2022-09-04T08:00:00+08:00'),
    );
    expect(nextUpdateAt(Date.parse('2022-09-04T08:00:00+08:00'), '08:00')).toBe(
      Date.parse('2022-09-05T08:00:00+08:00'),
    );
  });
});
