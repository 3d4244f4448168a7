import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBuffer } from '../src/compute/event-buffer.ts';
import { ShardSpill } from '../src/compute/shard-spill.ts';

const parent = mkdtempSync(join(tmpdir(), 'ic-spill-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

type Rec = [sub: number, t: number, place: number, ev: number];

/** Pieces of input (as a scan hands them over), each a list of records. */
const pieces = fc.array(
  fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: 40 }),
      fc.double({ min: 0, max: 2e12, noNaN: true }),
      fc.integer({ min: -5, max: 1000 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    ),
    { maxLength: 30 },
  ),
  { maxLength: 12 },
);

function contents(buf: EventBuffer): Rec[] {
  return Array.from({ length: buf.length }, (_, i): Rec => [buf.sub[i]!, buf.t[i]!, buf.place[i]!, buf.ev[i]!]);
}

/** The runs of a loaded buffer, as the records' pieces of input. */
function runsOf(buf: EventBuffer): Rec[][] {
  const order = buf.runOrder();
  if (!order) return [];
  const all = contents(buf);
  const runs: Rec[][] = [];
  for (let k = 0; k < order.length; k += 2) runs.push(all.slice(order[k], order[k + 1]));
  return runs;
}

describe('ShardSpill', () => {
  it('gives each shard its records, in the order read, with every piece of input a run of its own', () => {
    fc.assert(
      fc.property(pieces, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), (input, shards, block) => {
        const spill = new ShardSpill(shards, 0, parent, block);
        try {
          input.forEach((piece, k) => {
            spill.beginRun();
            if (k % 2 === 0) for (const r of piece) spill.push(...r);
            else {
              const col = (j: number) => piece.map((r) => r[j]!);
              spill.append(
                Int32Array.from(col(0)),
                Float64Array.from(col(1)),
                Int32Array.from(col(2)),
                Int32Array.from(col(3)),
              );
            }
          });
          spill.finish();
          for (let s = 0; s < shards; s++) {
            const want = input.flat().filter((r) => r[0] % shards === s);
            const buf = new EventBuffer(4);
            spill.load(s, buf);
            expect(contents(buf)).toEqual(want);
            expect(spill.count(s)).toBe(want.length);
            // Runs never mix two pieces of input (a piece split over two blocks is two runs).
            const mine = input.map((piece) => piece.filter((r) => r[0] % shards === s));
            for (const run of runsOf(buf)) {
              const k = mine.findIndex((p) => p.length && run.length && contains(p, run));
              expect(k).toBeGreaterThanOrEqual(0);
            }
          }
        } finally {
          spill.close();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('removes its files when closed, and a second close does nothing', () => {
    const spill = new ShardSpill(3, 20, parent, 2);
    for (let i = 0; i < 20; i++) spill.push(i, i * 1000, i, i);
    spill.finish();
    const [dir] = readdirSync(parent).filter((d) => d.startsWith('itinerary-card-shards-'));
    expect(readdirSync(join(parent, dir!)).sort()).toEqual(['shard-0.bin', 'shard-1.bin', 'shard-2.bin']);
    spill.close();
    spill.close();
    expect(existsSync(join(parent, dir!))).toBe(false);
  });

  it('refuses to start, leaving nothing behind, when the disk has no room for the records expected', () => {
    const before = readdirSync(parent);
    let err: unknown;
    try {
      new ShardSpill(2, 1e15, parent);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'SPILL_NO_ROOM', details: { dir: parent, needs: '22000000.0 GB' } });
    expect(readdirSync(parent)).toEqual(before);
  });

  it("removes the files a killed run left behind, and not a running process's", () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const orphan = join(parent, `itinerary-card-shards-${dead}-x1`);
    const running = join(parent, `itinerary-card-shards-${process.pid}-x2`);
    const other = join(parent, 'itinerary-card-shards-notes');
    for (const d of [orphan, running, other]) mkdirSync(d);
    writeFileSync(join(orphan, 'shard-0.bin'), 'x');
    new ShardSpill(1, 0, parent).close();
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});

/** Whether `run` occurs in `piece` as consecutive records. */
function contains(piece: Rec[], run: Rec[]): boolean {
  const key = (r: Rec) => r.join(',');
  const p = piece.map(key).join('|');
  return `|${p}|`.includes(`|${run.map(key).join('|')}|`);
}
