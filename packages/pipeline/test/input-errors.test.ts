// Input that cannot be read, in part or at all: a truncated or corrupt gzip
// file, a file that cannot be opened, registries without a usable row. Each is
// counted as unreadable_file (and named in the quarantine) or fails the run
// with INPUT_UNUSABLE naming the file; nothing crashes and nothing is dropped
// without a word.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AppError } from '@itinerary-card/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { runSchedule } from '../src/daily/daily-schedule.ts';
import { sampleCsv } from '../src/read/input-dir.ts';
import { every, makeInput, type Row } from './fixture-input.ts';

const A = '13800000001';
const B = '13900000002';
const NOW = Date.parse('2022-09-05T09:00:00+08:00');
const KEY = 'input-errors-key-0123456789';
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

const csv = (rows: Row[]) => `msisdn,ts,cell_id,plmn,event\n${rows.map((r) => r.join(',')).join('\n')}\n`;

/** A's day 1 in a whole file; B's day 1 in a gzip file cut in half (its second half, in Wuhan, is lost). */
function inputWithTruncatedGzip(): string {
  const bRows = [...every(B, 1, 0, 11.5, 'nc-1', 0.004), ...every(B, 1, 12, 23.5, 'wh-1', 0.004)];
  const gz = gzipSync(csv(bRows));
  const input = makeInput([{ msisdn: A }, { msisdn: B }], {
    'a-2022-09-02.csv': every(A, 1, 0, 23.5, 'nc-1', 0.5),
  });
  writeFileSync(join(input, 'signaling', 'b-2022-09-02.csv.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  cleanup.push(input);
  return input;
}

describe('unreadable input', () => {
  it('a truncated gzip file is counted as unreadable_file, named, and none of it is used', async () => {
    const input = inputWithTruncatedGzip();
    const { lines, summary, samples } = await compute({ input, date: '2022-09-03', days: 7, now: NOW });
    expect(summary.unreadableFiles).toBe(1);
    expect(summary.rejected.unreadable_file).toBe(1);
    const s = samples.find((x) => x.reason === 'unreadable_file')!;
    expect(s.file).toBe(join(input, 'signaling', 'b-2022-09-02.csv.gz'));
    expect(s.text).toMatch(/gzip file cannot be read to its end/);
    // The cut file's first half is not taken for the whole day: B has no data rather than a wrong itinerary.
    expect(lines.find((l) => l.msisdn === B)!.status).toBe('no_data');
    expect(lines.find((l) => l.msisdn === A)!).toMatchObject({ status: 'ok', cities: ['360100'] });
  });

  it('a corrupt gzip file is unreadable_file too (DuckDB is never handed it)', async () => {
    // Damaged past the part read for its header, where only a read of the whole file finds it.
    const good = gzipSync(csv(every(B, 1, 0, 23.5, 'nc-1', 0.002)));
    const cut = Math.floor(good.length * 0.75);
    const bad = Buffer.concat([good.subarray(0, cut), Buffer.alloc(300, 0x55), good.subarray(cut + 300)]);
    const input = makeInput([{ msisdn: A }, { msisdn: B }], { 'a.csv': every(A, 1, 0, 23.5, 'nc-1', 0.5) });
    writeFileSync(join(input, 'signaling', 'b.csv.gz'), bad);
    cleanup.push(input);
    const { summary } = await compute({ input, date: '2022-09-03', days: 7, now: NOW });
    expect(summary.rejected.unreadable_file).toBe(1);
  });

  it('a signaling file that cannot be opened is unreadable_file, not a crash', async () => {
    const input = makeInput([{ msisdn: A }], { 'a.csv': every(A, 1, 0, 23.5, 'nc-1', 0.5) });
    cleanup.push(input);
    symlinkSync(join(input, 'nowhere.csv.gz'), join(input, 'signaling', 'dangling.csv.gz'));
    symlinkSync(join(input, 'signaling', 'loop.csv'), join(input, 'signaling', 'loop.csv'));
    const { summary, samples } = await compute({ input, date: '2022-09-03', days: 7, now: NOW });
    expect(summary.rejected.unreadable_file).toBe(2);
    expect(samples.filter((x) => x.reason === 'unreadable_file').map((x) => x.file)).toEqual([
      join(input, 'signaling', 'dangling.csv.gz'),
      join(input, 'signaling', 'loop.csv'),
    ]);
  });

  it('reading a gzip file that fails underneath rejects instead of raising an unhandled error event', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ic-unreadable-'));
    cleanup.push(d);
    mkdirSync(join(d, 'x.csv.gz')); // opens, then every read fails (EISDIR), as an unreadable file does
    await expect(sampleCsv(join(d, 'x.csv.gz'))).rejects.toThrow(/EISDIR/);
  });

  it('registries with a header and no usable row make the input unusable, naming the file', async () => {
    const header = (input: string, file: string, text: string) => writeFileSync(join(input, file), text);
    const cellsOnly = makeInput([{ msisdn: A }], { 'a.csv': every(A, 1, 0, 23.5, 'nc-1', 0.5) });
    const subsOnly = makeInput([{ msisdn: A }], { 'a.csv': every(A, 1, 0, 23.5, 'nc-1', 0.5) });
    cleanup.push(cellsOnly, subsOnly);
    header(cellsOnly, 'cells.csv', 'cell_id,operator,lat,lon,region_code\n');
    header(
      subsOnly,
      'subscribers.csv',
      'msisdn,operator,activated_at,ported_at,kind,primary_msisdn\nnot-a-number,cmcc,2020-01-01,,normal,\n',
    );
    for (const [input, file, reason] of [
      [cellsOnly, 'cells.csv', /cells\.csv has no usable cell \(0 row/],
      [subsOnly, 'subscribers.csv', /subscribers\.csv has no usable subscriber \(1 row\(s\), 1 rejected/],
    ] as const) {
      const err = await compute({ input, date: '2022-09-03', days: 7, now: NOW }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INPUT_UNUSABLE');
      expect((err as AppError).details).toMatchObject({
        file: join(input, file),
        reason: expect.stringMatching(reason),
      });
    }
  });

  it('a daily run counts an unreadable file on its home day, and the schedule says INPUT_PARTIAL', async () => {
    const input = inputWithTruncatedGzip();
    const data = mkdtempSync(join(tmpdir(), 'ic-node-'));
    cleanup.push(data);
    const base = { input, data, operator: 'cmcc' as const, pseudonymKey: KEY, now: NOW };
    const day1 = await runDailyDay({ ...base, day: '2022-09-01' });
    const day2 = await runDailyDay({ ...base, day: '2022-09-02' });
    expect([day1.unreadableFiles, day2.unreadableFiles]).toEqual([0, 1]);
    const quarantine = readFileSync(join(data, 'days', '2022-09-02', 'quarantine.jsonl'), 'utf8');
    expect(quarantine).toContain('b-2022-09-02.csv.gz');
    const pass = await runSchedule({ ...base, updateTime: '08:00', retentionDays: 15, firstDay: '2022-09-01' });
    expect(pass.warnings).toEqual([
      {
        code: 'INPUT_PARTIAL',
        file: join(input, 'signaling', 'b-2022-09-02.csv.gz'),
        reason: expect.stringMatching(/gzip file cannot be read to its end/),
      },
      // (The input ends with 09-02: the days after it, run by this pass, read nothing, and say so.)
      { code: 'DAY_WITHOUT_RECORDS', day: '2022-09-03' },
      { code: 'DAY_WITHOUT_RECORDS', day: '2022-09-04' },
    ]);
  });
});
