import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { dayOfTs, operatorsOf, splitSignaling } from './demo-split.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => gunzipSync(readFileSync(path)).toString().trim().split('\n');
/** The lines of a file other than the garbage one (which lands with whichever operator its hash picks). */
const parsed = (path: string) => lines(path).filter((l) => l !== '@@garbage@@');

describe('dayOfTs', () => {
  it('gives the Beijing day of ISO times with any offset and of epoch milliseconds', () => {
    expect(dayOfTs('2022-09-01T23:59:59+08:00')).toBe('2022-09-01');
    expect(dayOfTs('2022-09-01T16:00:00Z')).toBe('2022-09-02');
    expect(dayOfTs(String(Date.parse('2022-09-01T16:00:00Z')))).toBe('2022-09-02');
    expect(dayOfTs('yesterday')).toBeUndefined();
  });
});

describe('splitSignaling', () => {
  it('sends each line to its subscriber’s operator and its own day, and unreadable lines to exactly one node', async () => {
    const owner = operatorsOf(
      'msisdn,operator,activated_at,ported_at,kind,primary_msisdn\n13800000001,cmcc,2020-01-01,,normal,\n18900000002,ctcc,2020-01-01,,normal,\n',
    );
    const sig = join(dir, 'in', 'signaling');
    mkdirSync(sig, { recursive: true });
    const header = 'msisdn,ts,cell_id,plmn,event';
    // A late record of 09-01 in the 09-02 file, an epoch-ms record, a garbage line and a bad time.
    writeFileSync(
      join(sig, '2022-09-02.csv.gz'),
      gzipSync(
        `${[
          header,
          '13800000001,2022-09-02T08:00:00+08:00,46000-A,,tau',
          '13800000001,2022-09-01T23:50:00+08:00,46000-A,,tau',
          `18900000002,${Date.parse('2022-09-02T01:00:00Z')},46011-B,,call`,
          '@@garbage@@',
          '18900000002,not-a-time,46011-B,,call',
        ].join('\n')}\n`,
      ),
    );
    writeFileSync(join(sig, 'notes.txt'), 'not signaling');
    const out = join(dir, 'out');
    const r = await splitSignaling(sig, owner, out);
    expect(r.lines).toBe(5);
    expect(r.days).toEqual(['2022-09-01', '2022-09-02']);
    expect(parsed(join(out, 'cmcc', '2022-09-02', 'signaling', 'part-0.csv.gz'))).toEqual([
      header,
      '13800000001,2022-09-02T08:00:00+08:00,46000-A,,tau',
    ]);
    expect(parsed(join(out, 'cmcc', '2022-09-01', 'signaling', 'part-0.csv.gz'))).toEqual([
      header,
      '13800000001,2022-09-01T23:50:00+08:00,46000-A,,tau',
    ]);
    const ctcc = lines(join(out, 'ctcc', '2022-09-02', 'signaling', 'part-0.csv.gz'));
    expect(ctcc).toContain('18900000002,not-a-time,46011-B,,call');
    expect(ctcc).toContain(`18900000002,${Date.parse('2022-09-02T01:00:00Z')},46011-B,,call`);
    // The garbage line lands once, in the source file's day of one operator.
    const garbage = ['cmcc', 'cucc', 'ctcc'].filter((op) => {
      try {
        return lines(join(out, op, '2022-09-02', 'signaling', 'part-0.csv.gz')).includes('@@garbage@@');
      } catch {
        return false;
      }
    });
    expect(garbage).toHaveLength(1);
    expect(readdirSync(out).sort()).toEqual(['cmcc', 'ctcc', ...(garbage[0] === 'cucc' ? ['cucc'] : [])].sort());
  });
});
