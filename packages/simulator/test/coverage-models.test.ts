// Every coverage model of the simulator, at a size that fits CI: the stay engine
// against the naive rule on each, and each model's own signature in the world it writes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beijingDayStart } from '@itinerary-card/domain';
import { compute, runNaiveRule } from '@itinerary-card/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { COVERAGE_MODELS, type CoverageModel, evaluate, simulate } from '../src/index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function world(coverage: CoverageModel, subscribers = 800) {
  const out = mkdtempSync(join(tmpdir(), `cov-${coverage}-`));
  dirs.push(out);
  const res = await simulate({ out, subscribers, days: 10, endDate: '2022-09-10', seed: 3, format: 'csv', coverage });
  return { out, ...res };
}

describe('coverage models', () => {
  it('refuses an unknown model with a clear error', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cov-bad-'));
    dirs.push(out);
    await expect(
      simulate({ out, subscribers: 10, days: 2, endDate: '2022-09-10', seed: 1, coverage: 'fog' as CoverageModel }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('writes a registry with wrong positions and region codes in the mislocated model only', async () => {
    const mis = await world('mislocated', 50);
    const ping = await world('pingpong', 50);
    const w = (dir: string) => JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8'));
    expect(w(mis.out).coverage).toBe('mislocated');
    expect(w(mis.out).registryErrors.moved).toBeGreaterThan(2000);
    expect(w(mis.out).registryErrors.recoded).toBeGreaterThanOrEqual(9);
    expect(w(ping.out).registryErrors).toEqual({ moved: 0, recoded: 0 });
    const cells = (dir: string) => readFileSync(join(dir, 'input', 'cells.csv'), 'utf8').split('\n');
    const a = cells(mis.out);
    const b = cells(ping.out);
    expect(a.length).toBe(b.length);
    // A cell can be both moved and recoded, or moved by less than the 1e-5° the file keeps.
    const changed = a.filter((l, i) => l !== b[i]).length;
    expect(changed).toBeLessThanOrEqual(w(mis.out).registryErrors.moved + w(mis.out).registryErrors.recoded);
    expect(changed).toBeGreaterThan(w(mis.out).registryErrors.moved * 0.99);
  });

  for (const coverage of COVERAGE_MODELS) {
    it(`${coverage}: the engine is above the naive rule and near the goal, on every persona`, async () => {
      const { inputDir, truthFile } = await world(coverage);
      const date = '2022-09-11';
      const now = beijingDayStart(date) + 10 * 3_600_000;
      const ours = await evaluate({
        truthFile,
        result: (await compute({ input: inputDir, date, days: 7, now })).lines,
        days: 7,
        date,
      });
      const naive = await evaluate({
        truthFile,
        result: await runNaiveRule({ input: inputDir, date, days: 7 }),
        days: 7,
        date,
      });
      expect(ours.cities.precision).toBeGreaterThanOrEqual(Math.min(0.99, naive.cities.precision));
      expect(ours.cities.recall).toBeGreaterThanOrEqual(Math.min(0.995, naive.cities.recall));
      for (const [persona, g] of Object.entries(ours.byPersona)) {
        const n = naive.byPersona[persona]!;
        expect(g.cityFp, `${coverage} ${persona} false cities`).toBeLessThanOrEqual(Math.max(n.cityFp, 2));
        expect(g.cityFn, `${coverage} ${persona} missed cities`).toBeLessThanOrEqual(Math.max(n.cityFn, 1));
      }
      expect(ours.countries.precision).toBe(1);
      expect(ours.status.accuracy).toBe(1);
    });
  }
});
