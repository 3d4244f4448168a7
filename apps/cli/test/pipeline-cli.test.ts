// The operator node's daily operation through the command line: the schedule
// catches up, publishes at the update time, and refuses to run without a key.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simulate } from '@itinerary-card/simulator';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card.js');
const dir = mkdtempSync(join(tmpdir(), 'cli-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, NODE_PSEUDONYM_KEY: 'cli-test-key-0123456789' };

describe('itinerary-card pipeline', () => {
  it('schedule: runs the missing days, publishes at the update time, and is idempotent', async () => {
    const { inputDir } = await simulate({
      out: join(dir, 'world'),
      subscribers: 60,
      days: 3,
      endDate: '2022-09-03',
      seed: 'cli',
    });
    const data = join(dir, 'node');
    const args = ['pipeline', 'schedule', '--input', inputDir, '--data', data, '--retention-days', '4'];
    const early = await run(process.execPath, [bin, ...args, '--now', '2022-09-04T07:30:00+08:00'], { env });
    const first = JSON.parse(early.stdout.trim().split('\n').at(-1)!);
    expect(first.ran.map((r: { day: string }) => r.day)).toEqual([
      '2022-08-30',
      '2022-08-31',
      '2022-09-01',
      '2022-09-02',
    ]);
    expect(first.published).toBe('2022-09-03');
    const late = await run(process.execPath, [bin, ...args, '--now', '2022-09-04T08:00:00+08:00'], { env });
    const second = JSON.parse(late.stdout.trim().split('\n').at(-1)!);
    expect(second.ran.map((r: { day: string }) => r.day)).toEqual(['2022-09-03']);
    expect(second.published).toBe('2022-09-04');
    expect(JSON.parse(readFileSync(join(data, 'published.json'), 'utf8')).date).toBe('2022-09-04');
    expect(existsSync(join(data, 'snapshots', '2022-09-04', 'snapshot.jsonl'))).toBe(true);
    const again = await run(process.execPath, [bin, ...args, '--now', '2022-09-04T09:00:00+08:00'], { env });
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ran: [], published: null });
  });

  it('refuses to run without the pseudonym key, naming the variable', async () => {
    const { NODE_PSEUDONYM_KEY: _, ...noKey } = env;
    await expect(
      run(process.execPath, [bin, 'pipeline', 'run-day', '--input', dir, '--data', dir, '--day', '2022-09-01'], {
        env: noKey,
      }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('NODE_PSEUDONYM_KEY') });
  });
});
