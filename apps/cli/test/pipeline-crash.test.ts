// A schedule pass killed (SIGKILL) at each of its steps, on a simulated world:
// the next pass finds what the kill left (a day written without its snapshot,
// a directory swap half done, a publication file not renamed, retention half
// done), puts it right, and ends with the node a pass that was never killed
// leaves, byte for byte.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readPublished } from '@itinerary-card/pipeline';
import { simulate } from '@itinerary-card/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyNode } from './daily-node.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card-dev.js');
const KEY = 'crash-test-key-0123456789';
const env = { ...process.env, NODE_PSEUDONYM_KEY: KEY };
const dir = mkdtempSync(join(tmpdir(), 'cli-crash-'));
let world: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  world = (await simulate({ out: join(dir, 'world'), subscribers: 80, days: 5, endDate: '2022-09-05', seed: 'crash' }))
    .inputDir;
}, 120_000);

const PASS2 = '2022-09-06T08:00:00+08:00';
const RETENTION = 4; // pass 2 deletes the first day and its file

/**
 * A node after its first pass (09-05 09:00, 09-03's file not yet there), with
 * 09-03's and 09-05's files then delivered: its next pass runs 09-02 to 09-04
 * again (09-03's file holds late records of 09-02), runs 09-05, rebuilds and
 * publishes the snapshot of 09-06 and deletes 09-01 and its file.
 */
async function nodeBeforePass2(name: string) {
  const { input, data, deliver, pass } = dailyNode({
    world,
    dir: join(dir, name),
    pseudonymKey: KEY,
    retentionDays: RETENTION,
    firstDay: '2022-09-01',
  });
  for (const day of ['2022-09-01', '2022-09-02', '2022-09-04']) deliver(day);
  await pass(Date.parse('2022-09-05T09:00:00+08:00'));
  deliver('2022-09-03');
  deliver('2022-09-05');
  const args = ['pipeline', 'schedule', '--input', input, '--data', data, '--retention-days', String(RETENTION)];
  return { input, data, pass, args };
}

/** Everything a pass leaves that matters: the publication, the snapshots, the days, the files kept. */
function state(node: { input: string; data: string }) {
  const pub = readPublished(node.data)!;
  const tree = (d: string): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!existsSync(d)) return out;
    for (const name of readdirSync(d, { recursive: true }).map(String).sort()) {
      const p = join(d, name);
      if (/(summary|carry|snapshot)\.jsonl$|meta\.json$/.test(name)) out[name] = readFileSync(p, 'utf8');
      else if (!name.includes('.')) out[name] = '(dir)';
    }
    return out;
  };
  return {
    published: { date: pub.date, build: pub.build },
    days: tree(join(node.data, 'days')),
    snapshots: tree(join(node.data, 'snapshots')),
    leftovers: readdirSync(node.data, { recursive: true })
      .map(String)
      .filter((n) => /\.(tmp|old)-/.test(n)),
    signaling: readdirSync(join(node.input, 'signaling')).sort(),
  };
}

describe('a schedule pass killed at any step', () => {
  it('is put right by the next pass, which ends where an unkilled pass does', async () => {
    const clean = await nodeBeforePass2('clean');
    const ran = await clean.pass(Date.parse(PASS2));
    expect(ran.rerun).toEqual(['2022-09-02', '2022-09-03', '2022-09-04']);
    expect(ran.removed.length).toBeGreaterThan(0);
    await clean.pass(Date.parse(PASS2) + 60_000);
    const reference = state(clean);
    expect(reference.published.date).toBe('2022-09-06');
    expect(reference.signaling).not.toContain('2022-09-01.csv.gz');
    expect(reference.leftovers).toEqual([]);

    for (const step of [
      'day-swap',
      'day-written',
      'snapshot-swap',
      'snapshot-written',
      'publish-written',
      'published',
      'retention',
    ]) {
      const node = await nodeBeforePass2(`crash-${step}`);
      const killed = await run(process.execPath, [bin, ...node.args, '--now', PASS2, '--crash-at', step], {
        env,
      }).catch((e: { signal?: string }) => e);
      expect({ step, signal: (killed as { signal?: string }).signal }).toEqual({ step, signal: 'SIGKILL' });
      const next = await node.pass(Date.parse(PASS2) + 60_000);
      if (step === 'day-swap') expect(next.recovered).toEqual(['2022-09-02']);
      expect({ step, ...state(node) }).toEqual({ step, ...reference });
    }
  }, 600_000);
});
