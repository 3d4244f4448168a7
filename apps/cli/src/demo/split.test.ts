import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Operator } from '@itinerary-card/domain';
import { simulate } from '@itinerary-card/simulator';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { dayOfTs, field, fileDayOf, operatorsOf, routeLine, splitSignaling } from './split.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
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
    expect(parsed(join(out, 'cmcc', '2022-09-02', 'signaling', 'part-0.csv'))).toEqual([
      header,
      '13800000001,2022-09-02T08:00:00+08:00,46000-A,,tau',
    ]);
    expect(parsed(join(out, 'cmcc', '2022-09-01', 'signaling', 'part-0.csv'))).toEqual([
      header,
      '13800000001,2022-09-01T23:50:00+08:00,46000-A,,tau',
    ]);
    const ctcc = lines(join(out, 'ctcc', '2022-09-02', 'signaling', 'part-0.csv'));
    expect(ctcc).toContain('18900000002,not-a-time,46011-B,,call');
    expect(ctcc).toContain(`18900000002,${Date.parse('2022-09-02T01:00:00Z')},46011-B,,call`);
    // The garbage line lands once, in the source file's day of one operator.
    const garbage = ['cmcc', 'cucc', 'ctcc'].filter((op) => {
      try {
        return lines(join(out, op, '2022-09-02', 'signaling', 'part-0.csv')).includes('@@garbage@@');
      } catch {
        return false;
      }
    });
    expect(garbage).toHaveLength(1);
    expect(readdirSync(out).sort()).toEqual(['cmcc', 'ctcc', ...(garbage[0] === 'cucc' ? ['cucc'] : [])].sort());
  });
});

describe('field', () => {
  it('is the i-th field of split(",") or empty', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '1', ',', '"', ' ') }),
        fc.integer({ min: -1, max: 6 }),
        (line, i) => {
          expect(field(line, i)).toBe(line.split(',')[i] ?? '');
        },
      ),
    );
  });
});

/** Every part file under a split directory, by relative path, as its lines. */
function partsOf(root: string, gz: boolean): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const op of readdirSync(root))
    for (const day of readdirSync(join(root, op)))
      for (const f of readdirSync(join(root, op, day, 'signaling'))) {
        const buf = readFileSync(join(root, op, day, 'signaling', f));
        out.set(`${op}/${day}/${f.replace(/\.gz$/, '')}`, (gz ? gunzipSync(buf) : buf).toString().split('\n'));
      }
  return out;
}

describe('splitSignaling on a simulated world', () => {
  it('writes the lines, in their order, that a line-by-line reading of every file assigns to each operator and day', async () => {
    const sim = await simulate({
      out: join(dir, 'world'),
      subscribers: 300,
      days: 3,
      endDate: '2022-09-03',
      seed: 7,
      format: 'csv.gz',
    });
    const sig = join(sim.inputDir, 'signaling');
    const owner = operatorsOf(readFileSync(join(sim.inputDir, 'subscribers.csv'), 'utf8'));
    // The reference: whole files in memory, split with String.split, the same rules.
    const expected = new Map<string, string[]>();
    const ops: Operator[] = ['cmcc', 'cucc', 'ctcc'];
    for (const name of readdirSync(sig).sort()) {
      const [header, ...rest] = gunzipSync(readFileSync(join(sig, name)))
        .toString()
        .split(/\r?\n/);
      const cols = header!.split(',');
      for (const line of rest) {
        if (!line) continue;
        const f = line.split(',');
        let h = 0;
        for (let i = 0; i < line.length; i++) h = (h * 31 + line.charCodeAt(i)) | 0;
        const op = owner.get((f[cols.indexOf('msisdn')] ?? '').replace(/"/g, '')) ?? ops[Math.abs(h) % 3]!;
        const day = dayOfTs((f[cols.indexOf('ts')] ?? '').replace(/"/g, '')) ?? name.slice(0, 10);
        const key = `${op}/${day}/part-0.csv`;
        if (!expected.has(key)) expected.set(key, [header!]);
        expected.get(key)!.push(line);
      }
    }
    for (const v of expected.values()) v.push('');
    const r = await splitSignaling(sig, owner, join(dir, 'plain'));
    expect(r.lines).toBe([...expected.values()].reduce((n, v) => n + v.length - 2, 0));
    const plain = partsOf(join(dir, 'plain'), false);
    expect(plain).toEqual(expected);
    // The earlier gzip parts hold the same lines.
    await splitSignaling(sig, owner, join(dir, 'gzip'), undefined, true);
    expect(partsOf(join(dir, 'gzip'), true)).toEqual(plain);
    expect(sim.stats.invalidLines).toBeGreaterThan(0);

    // The simulator writing the split itself (as the demo has it do) writes the same parts, byte for byte.
    let routed = 0;
    const direct = await simulate({
      out: join(dir, 'direct'),
      subscribers: 300,
      days: 3,
      endDate: '2022-09-03',
      seed: 7,
      format: 'csv.gz',
      split: {
        root: join(dir, 'direct-parts'),
        route(line, dayFile) {
          routed++;
          return routeLine(line, 0, 1, owner, fileDayOf(dayFile));
        },
      },
    });
    expect(partsOf(join(dir, 'direct-parts'), false)).toEqual(plain);
    expect(direct.splitDays).toEqual(r.days);
    expect(routed).toBe(sim.stats.invalidLines - (sim.stats['dirt.unknownCell'] ?? 0)); // the malformed lines only
    expect(readdirSync(join(direct.inputDir, 'signaling'))).toEqual([]); // no day file
  }, 60_000);
});
