// Retention of raw signaling goes by the days of the records in a file, not by
// when the file was written: a late copy of old files is deleted all the same,
// and a recent file whose copy kept an old modification time is kept.
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enforceRetention } from '../src/daily/daily-run.ts';
import { refreshFileIndex } from '../src/daily/daily-schedule.ts';
import { every, makeInput } from './fixture-input.ts';

const A = '13800000001';
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('retention of raw signaling', () => {
  it('goes by the records’ days (or the day a file’s name declares), not the modification time', async () => {
    const input = makeInput([{ msisdn: A }], {
      // Records of 09-02 and 09-03, copied in today (fresh mtime): past retention on 09-20.
      'copy-of-old.csv': [...every(A, 1, 0, 23, 'nc-1'), ...every(A, 2, 0, 2, 'nc-1')],
      // Records of 09-18, its copy kept an old mtime: within retention.
      'recent.csv': every(A, 17, 0, 23, 'nc-1'),
      // Nothing readable in it: its name declares its day.
      '2022-09-01-broken.csv': 'msisdn,ts,cell_id,plmn,event\ngarbage\n',
      'undated-broken.csv': 'msisdn,ts,cell_id,plmn,event\ngarbage\n',
    });
    const data = mkdtempSync(join(tmpdir(), 'ic-node-'));
    cleanup.push(input, data);
    const sig = (f: string) => join(input, 'signaling', f);
    const longAgo = new Date('2020-01-01T00:00:00Z');
    utimesSync(sig('recent.csv'), longAgo, longAgo);
    const now = Date.parse('2022-09-20T09:00:00+08:00');
    const { index } = await refreshFileIndex(input, data);
    const removed = enforceRetention({ data, input, today: '2022-09-20', retentionDays: 15, now, index });
    expect(removed.sort()).toEqual([sig('2022-09-01-broken.csv'), sig('copy-of-old.csv')]);
    expect(existsSync(sig('recent.csv'))).toBe(true);
    expect(existsSync(sig('undated-broken.csv'))).toBe(true); // written today: kept
  });
});
