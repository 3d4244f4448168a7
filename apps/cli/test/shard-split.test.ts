// One operator input split into shards by subscriber: each number's shard
// (the one the proxy routes it to) gives the answer the whole input gives,
// secondaries whose primary hashes elsewhere included.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ItineraryLine, subscriberShard } from '@itinerary-card/domain';
import { compute } from '@itinerary-card/pipeline';
import { simulate } from '@itinerary-card/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { splitInputByShard } from '../src/shard-split.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card-dev.js');
const dir = mkdtempSync(join(tmpdir(), 'shard-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SHARDS = 3;
const DATE = '2022-09-09';

const byNumber = (lines: ItineraryLine[]) => new Map(lines.map((l) => [l.msisdn, l]));

describe('splitInputByShard', () => {
  it('gives every number, in its own shard, the answer of the whole input', async () => {
    const { inputDir } = await simulate({
      out: join(dir, 'world'),
      subscribers: 400,
      days: 8,
      endDate: '2022-09-08',
      seed: 'shards',
    });
    const split = await splitInputByShard(inputDir, SHARDS, join(dir, 'shards'));
    expect(split.subscribers.every((n) => n > 80)).toBe(true);
    const opts = { date: DATE, days: 7 as const, now: Date.parse(`${DATE}T09:00:00+08:00`) };
    const whole = byNumber((await compute({ ...opts, input: inputDir })).lines);
    const parts = [];
    for (let s = 0; s < SHARDS; s++)
      parts.push(byNumber((await compute({ ...opts, input: join(dir, 'shards', `shard-${s}`) })).lines));
    const registry = readFileSync(join(inputDir, 'subscribers.csv'), 'utf8').trim().split('\n').slice(1);
    let crossSecondaries = 0;
    for (const row of registry) {
      const [msisdn, , , , kind, primary] = row.split(',');
      const own = subscriberShard(msisdn!, SHARDS);
      expect(parts[own]!.get(msisdn!), msisdn).toEqual(whole.get(msisdn!));
      if (kind === 'secondary' && subscriberShard(primary!, SHARDS) !== own) crossSecondaries++;
    }
    // The split is only tested where it matters if some secondary rides on another shard's primary.
    expect(crossSecondaries).toBeGreaterThan(0);
    expect(whole.get(registry[0]!.split(',')[0]!)?.status).toBeDefined();
    // Every shard keeps the signaling files' names (one per day), so its daily runs read one day each.
    expect(readdirSync(join(dir, 'shards', 'shard-0', 'signaling')).sort()).toEqual(
      readdirSync(join(inputDir, 'signaling')).sort(),
    );
  });

  it('is a command that refuses an input without a registry, naming the file', async () => {
    await expect(
      run(process.execPath, [bin, 'pipeline', 'shard', '--input', dir, '--shards', '2', '--out', join(dir, 'x')]),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('cells.csv') });
  });
});
