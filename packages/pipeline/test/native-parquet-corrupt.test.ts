// The native Parquet reader on damaged files: bytes flipped, runs of bytes
// overwritten, files cut short, in the footer, page headers and page data of
// DuckDB-written files (Snappy and uncompressed, dictionary and plain pages).
// It is hand-written C++ reading untrusted files, so whatever the damage it must
// decline the file (DuckDB then decides) or read it as DuckDB does: never crash
// the process, never hang, never read past its buffers (a crash here kills the
// test worker). Where DuckDB reads the damaged file, the native scan's counts
// are DuckDB's; where DuckDB refuses it, so does compute.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS } from '@itinerary-card/domain';
import { nativeShardAvailable } from '@itinerary-card/stay-engine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanRange } from '../src/read/scan-sql.ts';
import { withDuckDb } from './duckdb-fixture.ts';
import { makeInput } from './fixture-input.ts';
import { scanBoth } from './scan-both.ts';

const LO = Date.parse('2022-08-30T00:00:00+08:00');
const RANGE: ScanRange = {
  lo: LO,
  hi: LO + 9 * DAY_MS,
  plausibleLo: Date.UTC(2009, 0, 1),
  plausibleHi: Date.parse('2022-09-09T00:00:00+08:00'),
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Clean files as DuckDB writes them: name → bytes. */
const clean = new Map<string, Buffer>();

beforeAll(async () => {
  const dir = makeInput([{ msisdn: '13800000001' }], {});
  dirs.push(dir);
  const rows = `SELECT (13800000000 + i % 7)::VARCHAR AS msisdn,
      make_timestamp(${(LO + DAY_MS) * 1000}::BIGINT + i * 61000000)::TIMESTAMPTZ AS ts,
      (['nc-1', 'jj-b', 'wh-1', 'no-such-cell'])[1 + i % 4] AS cell_id,
      CASE WHEN i % 5 = 0 THEN '44010' END AS plmn,
      (['tau', 'data', 'call'])[1 + i % 3] AS event
    FROM range(3000) t(i)`;
  const kinds: Record<string, string> = {
    snappy: '',
    plain: ", COMPRESSION 'uncompressed'",
    groups: ', ROW_GROUP_SIZE 1024',
    nodict: ', STRING_DICTIONARY_PAGE_SIZE_LIMIT 1',
  };
  await withDuckDb(async (conn) => {
    for (const [name, options] of Object.entries(kinds)) {
      const path = join(dir, `${name}.parquet`);
      await conn.run(`COPY (${rows}) TO '${path}' (FORMAT parquet${options})`);
      clean.set(name, readFileSync(path));
    }
  });
});

/** A damage done to a file's bytes: where is a fraction of its length, so it lands anywhere. */
type Damage =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'fill'; at: number; length: number; byte: number }
  | { kind: 'cut'; at: number }
  | { kind: 'footer'; back: number; byte: number };

function damage(bytes: Buffer, ds: Damage[]): Buffer {
  let b = Buffer.from(bytes);
  for (const d of ds) {
    if (b.length === 0) break;
    const at = Math.min(b.length - 1, Math.floor(('at' in d ? d.at : 0) * b.length));
    if (d.kind === 'flip') b[at] = b[at]! ^ (1 << d.bit);
    else if (d.kind === 'fill') b.fill(d.byte, at, Math.min(b.length, at + d.length));
    else if (d.kind === 'cut') b = b.subarray(0, at);
    else if (b.length > 8 + d.back) b[b.length - 8 - d.back] = d.byte; // the footer's Thrift, before its length and PAR1
  }
  return b;
}

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('fill' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 64 }),
    byte: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x15),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('footer' as const), back: fc.nat(300), byte: fc.nat(255) }),
);

/** The scan, or the message it failed with. */
async function tryScan(dir: string, native: boolean) {
  try {
    return { ok: await scanBoth(RANGE, dir, undefined, native) };
  } catch (e) {
    return { error: String(e) };
  }
}

describe.skipIf(!nativeShardAvailable())('the native Parquet reader on damaged files', () => {
  it('declines or reads as DuckDB does, and never crashes', async () => {
    let refused = 0;
    let read = 0;
    let readNatively = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('snappy', 'plain', 'groups', 'nodict'),
        fc.array(damageArb, { minLength: 1, maxLength: 3 }),
        async (name, ds) => {
          const dir = makeInput([{ msisdn: '13800000001' }], {});
          dirs.push(dir);
          writeFileSync(join(dir, 'signaling', 'd.parquet'), damage(clean.get(name)!, ds));
          const sql = await tryScan(dir, false);
          const raw = await tryScan(dir, true);
          rmSync(dir, { recursive: true, force: true });
          if (sql.error !== undefined) {
            refused++;
            // DuckDB refuses the file: the native reader did not read it either (it declined, DuckDB refused).
            expect(raw.error).toBeDefined();
            return;
          }
          read++;
          expect(raw.error).toBeUndefined();
          expect(raw.ok!.counts).toEqual(sql.ok!.counts);
          expect(raw.ok!.rejected).toEqual(sql.ok!.rejected);
          readNatively += raw.ok!.nativeParquetFiles;
        },
      ),
      { numRuns: Number(process.env.PQ_CORRUPT_RUNS ?? 60) },
    );
    // Damage DuckDB refuses and damage it reads past (a flipped value) both came up, and the reader read some of the latter.
    console.info(`damaged Parquet files: ${refused} refused, ${read} read (${readNatively} natively)`);
    expect(refused).toBeGreaterThan(0);
    expect(read).toBeGreaterThan(0);
  }, 300_000);
});
