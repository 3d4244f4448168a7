// The operator node's daily operation through the command line: the schedule
// catches up, publishes at the update time, and refuses to run without a key.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simulate } from '@itinerary-card/simulator';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card-dev.js');
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
    // Every finished day is run; the days before the world's first have no records and are no warning.
    expect(first.ran.map((r: { day: string }) => r.day)).toEqual([
      '2022-08-30',
      '2022-08-31',
      '2022-09-01',
      '2022-09-02',
      '2022-09-03',
    ]);
    expect(first).toMatchObject({ published: '2022-09-03', warnings: [], status: 'ok' });
    const late = await run(process.execPath, [bin, ...args, '--now', '2022-09-04T08:00:00+08:00'], { env });
    const second = JSON.parse(late.stdout.trim().split('\n').at(-1)!);
    expect(second.ran).toEqual([]);
    expect(second.published).toBe('2022-09-04');
    // Stamped when published, on the --now clock, not at the start of the pass.
    expect(Date.parse(second.publishedAt)).toBeGreaterThanOrEqual(Date.parse('2022-09-04T08:00:00+08:00'));
    expect(JSON.parse(readFileSync(join(data, 'published.json'), 'utf8')).date).toBe('2022-09-04');
    expect(existsSync(join(data, 'snapshots', '2022-09-04', 'snapshot.jsonl'))).toBe(true);
    const again = await run(process.execPath, [bin, ...args, '--now', '2022-09-04T09:00:00+08:00'], { env });
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ran: [], published: null });
  });

  it('publish --now stamps a replayed day with that time; a day without a snapshot is SNAPSHOT_NOT_BUILT', async () => {
    const data = join(dir, 'node');
    const at = '2022-09-04T08:00:00+08:00';
    const r = await run(
      process.execPath,
      [bin, 'pipeline', 'publish', '--data', data, '--date', '2022-09-04', '--now', at],
      {
        env,
      },
    );
    expect(JSON.parse(r.stdout)).toEqual({ published: '2022-09-04', publishedAt: new Date(at).toISOString() });
    expect(JSON.parse(readFileSync(join(data, 'published.json'), 'utf8')).publishedAt).toBe(Date.parse(at));
    await expect(
      run(process.execPath, [bin, 'pipeline', 'publish', '--data', data, '--date', '2022-10-01'], { env }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('SNAPSHOT_NOT_BUILT') });
  });

  it('a run that lost part of its input exits 3 with INPUT_PARTIAL, unless --allow-partial', async () => {
    const { inputDir } = await simulate({
      out: join(dir, 'partial'),
      subscribers: 40,
      days: 2,
      endDate: '2022-09-02',
      seed: 'partial',
    });
    const file = join(inputDir, 'signaling', '2022-09-02.csv.gz');
    const gz = readFileSync(file);
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const out = join(dir, 'partial.jsonl');
    const compute = ['compute', '--input', inputDir, '--date', '2022-09-03', '--out', out];
    await expect(run(process.execPath, [bin, ...compute], { env })).rejects.toMatchObject({
      code: 3,
      stderr: expect.stringContaining(`INPUT_PARTIAL`),
    });
    const accepted = await run(process.execPath, [bin, ...compute, '--allow-partial'], { env });
    expect(accepted.stdout).toContain('unreadable files  1');
    expect(accepted.stderr).toContain(file);
    const runDay = [
      'pipeline',
      'run-day',
      '--input',
      inputDir,
      '--data',
      join(dir, 'partial-node'),
      '--day',
      '2022-09-02',
    ];
    await expect(run(process.execPath, [bin, ...runDay], { env })).rejects.toMatchObject({
      code: 3,
      stderr: expect.stringContaining('INPUT_PARTIAL'),
    });
    const schedule = [
      'pipeline',
      'schedule',
      '--input',
      inputDir,
      '--data',
      join(dir, 'partial-node'),
      '--now',
      '2022-09-03T09:00:00+08:00',
    ];
    const failed = await run(process.execPath, [bin, ...schedule], { env }).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((failed as { code: number }).code).toBe(3);
    expect(JSON.parse((failed as { stdout: string }).stdout.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'partial',
      warnings: [{ code: 'INPUT_PARTIAL', file }],
    });
    // A header-only registry: the input is unusable (exit 2), naming the file.
    writeFileSync(join(inputDir, 'cells.csv'), 'cell_id,operator,lat,lon,region_code\n');
    await expect(run(process.execPath, [bin, ...compute], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(join(inputDir, 'cells.csv')),
    });
  });

  it('schedule --watch says what failed in a pass and keeps running', async () => {
    const input = join(dir, 'watch-input');
    mkdirSync(join(input, 'signaling'), { recursive: true }); // no cells.csv: INPUT_UNUSABLE
    const child = spawn(
      process.execPath,
      [bin, 'pipeline', 'schedule', '--input', input, '--data', join(dir, 'watch-node'), '--watch'],
      {
        env,
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    await new Promise<void>((res, rej) => {
      const t = setInterval(() => {
        if (out.includes('\n')) {
          clearInterval(t);
          res();
        }
      }, 100);
      child.once('exit', () => rej(new Error(`exited: ${out}`)));
    });
    expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ error: 'INPUT_UNUSABLE' });
    expect(child.exitCode).toBeNull(); // still watching
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
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
