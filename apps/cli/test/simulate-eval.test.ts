// simulate → compute → eval through the command line, and the pipeline's own
// validation of a simulated world: it must reject exactly the intended dirty lines.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compute } from '@itinerary-card/pipeline';
import { evaluate } from '@itinerary-card/simulator';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card-dev.js');
const dir = mkdtempSync(join(tmpdir(), 'cli-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('itinerary-card simulate / eval', () => {
  it('generates a world the pipeline accepts, rejecting only the intended lines, and scores the result', async () => {
    const sim = await run(process.execPath, [
      bin,
      'simulate',
      '--out',
      dir,
      '--subscribers',
      '300',
      '--days',
      '8',
      '--end-date',
      '2022-09-07',
      '--seed',
      'cli-test',
    ]);
    expect(sim.stdout).toContain('records/s');
    const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as {
      queryDate: string;
      stats: Record<string, number>;
    };
    expect(world.queryDate).toBe('2022-09-08');

    const res = await compute({
      input: join(dir, 'input'),
      date: world.queryDate,
      days: 7,
      now: Date.parse('2022-09-08T09:00:00+08:00'),
    });
    const { duplicate = 0, ...invalid } = res.summary.rejected;
    expect(duplicate).toBe(world.stats['dirt.duplicates']);
    expect(Object.values(invalid).reduce((a, b) => a + b, 0)).toBe(world.stats.invalidLines);
    expect(res.summary.recordsRead).toBe(world.stats.lines);

    const report = await evaluate({
      truthFile: join(dir, 'truth.jsonl'),
      result: res.lines,
      days: 7,
      date: world.queryDate,
    });
    expect(report.subscribers).toBe(300);
    expect(report.missing).toBe(0);
    expect(Object.keys(report.byPersona)).toHaveLength(9);

    const computeCli = (out: string, ...more: string[]) =>
      run(process.execPath, [
        bin,
        'compute',
        '--input',
        join(dir, 'input'),
        '--date',
        world.queryDate,
        '--out',
        out,
        ...more,
      ]);
    const out = join(dir, 'result.jsonl');
    const native = await computeCli(out);
    expect(native.stdout).toMatch(/stay engine\s+native\n/);
    // The TypeScript stay engine gives the same file.
    const typescript = join(dir, 'result-typescript.jsonl');
    expect((await computeCli(typescript, '--engine', 'typescript')).stdout).toMatch(/stay engine\s+typescript\n/);
    expect(readFileSync(typescript, 'utf8')).toBe(readFileSync(out, 'utf8'));
    // In passes of 20,000 records (several): the input is read once and spread over shard files; same answer.
    const passes = join(dir, 'result-passes.jsonl');
    const split = await computeCli(passes, '--shard-records', '20000');
    expect(split.stdout).toMatch(/passes\s+\d+ \(up to about 20000 records each; input read once\)/);
    expect(res.summary.recordsRead).toBeGreaterThan(2 * 20000);
    expect(readFileSync(passes, 'utf8')).toBe(readFileSync(out, 'utf8'));
    const ev = await run(process.execPath, [bin, 'eval', '--truth', join(dir, 'truth.jsonl'), '--result', out]);
    expect(ev.stdout).toMatch(/cities\s+precision \d+\.\d\d%\s+recall \d+\.\d\d%/);
    expect(ev.stdout).toContain('naive rule');
    expect(ev.stdout).toContain('border_resident');
    expect(ev.stdout).not.toMatch(/\b1[3-9]\d{9}\b/); // numbers only masked
  });

  it('refuses a bad option with a clear message', async () => {
    await expect(run(process.execPath, [bin, 'simulate', '--out', dir, '--days', '0'])).rejects.toMatchObject({
      stderr: expect.stringContaining('expected an integer from 1 to 31'),
    });
    const refused = (option: string, value: string) =>
      run(process.execPath, [
        bin,
        'compute',
        '--input',
        dir,
        '--date',
        '2022-09-08',
        '--out',
        join(dir, 'x'),
        option,
        value,
      ]);
    await expect(refused('--shard-records', '0')).rejects.toMatchObject({
      stderr: expect.stringContaining('--shard-records: expected an integer from 1 to 2147483647'),
    });
    await expect(refused('--engine', 'gpu')).rejects.toMatchObject({
      stderr: expect.stringContaining('expected native or typescript'),
    });
  });
});
