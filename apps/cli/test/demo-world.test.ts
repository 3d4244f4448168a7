// The demo's simulated world: the simulator writes the signaling split per
// operator and day itself (demo-split.test.ts: the same parts as splitting its
// day files), each day's input links its part, and only the snapshots the nodes
// serve (D-1 and D) are built.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, OPERATORS } from '@itinerary-card/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DAYS, loadNodeSnapshots, nodeDataDir, prepareWorld, scoreWorld } from '../src/demo/world.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-world-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the demo world', () => {
  it('runs each operator day over its part of the simulator-written split and builds the served snapshots', async () => {
    const date = '2022-09-17';
    const world = await prepareWorld({ workRoot: dir, date, subscribers: 120, seed: 7 }, () => {});
    // No day file: the world's signaling is the split, and each day's input links its part.
    expect(readdirSync(join(world.inputDir, 'signaling')).sort()).toEqual([...OPERATORS].sort());
    const first = addDays(date, -DEMO_DAYS);
    const input = join(world.dir, 'split', 'cmcc', first, 'signaling');
    expect(lstatSync(input).isSymbolicLink()).toBe(true);
    expect(readdirSync(input)).toEqual(['part-0.csv']);
    for (const op of OPERATORS) {
      const served = loadNodeSnapshots(world, op, 8 * 3_600_000);
      expect(served.map((s) => s.date)).toEqual([addDays(date, -1), date]);
      // The snapshots nobody serves are not built; every day has its summary.
      expect(readdirSync(join(nodeDataDir(world, op), 'snapshots')).sort()).toEqual([addDays(date, -1), date]);
      expect(existsSync(join(nodeDataDir(world, op), 'days', first, 'summary.jsonl'))).toBe(true);
    }
    expect(world.runs).toHaveLength(OPERATORS.length * DEMO_DAYS);
    expect(world.runs.every((r) => r.subscribers > 0)).toBe(true);
    // Scored after the world is ready (the demo does it once it serves): ready.json gets the scores.
    expect(world.accuracy).toBeNull();
    await scoreWorld(world, (op) => loadNodeSnapshots(world, op, 8 * 3_600_000).find((s) => s.date === date));
    expect(world.accuracy?.d7.status.accuracy).toBeGreaterThan(0.9);
    const ready = JSON.parse(readFileSync(join(world.dir, 'ready.json'), 'utf8')) as typeof world;
    expect(ready.accuracy).toEqual(world.accuracy);
    expect(ready.runs).toHaveLength(OPERATORS.length * DEMO_DAYS);
  }, 240_000);
});
