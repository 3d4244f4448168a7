import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { AppError } from '@itinerary-card/domain';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { runNaiveRule } from '../src/compute/naive-rule.ts';
import { bj, every, JIUJIANG, makeInput, NANCHANG, type Row, WUHAN } from './fixture-input.ts';

const NOW = Date.parse('2022-09-08T09:00:00+08:00');
const A = '13800000001'; // Nanchang, a day in Jiujiang, roams to Japan
const B = '13900000002'; // border resident of Nanchang (ping-pong with Jiujiang)
const C = '13500000003'; // passes through Wuhan on a train, < 4 h
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function world(): Row[] {
  const rows: Row[] = [];
  for (let d = 0; d < 7; d++) rows.push(...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5));
  rows.push([A, bj(5, 12.25), '', '44010', 'data']);
  for (let d = 0; d < 7; d++) {
    for (let k = 0; k < 96; k++) rows.push([B, bj(d, k / 4), k % 5 < 3 ? 'nc-b' : 'jj-b', '', 'tau']);
  }
  rows.push(
    ...every(C, 2, 0, 9, 'nc-1', 0.5),
    ...every(C, 2, 9.25, 12, 'wh-1', 0.25),
    ...every(C, 2, 12.5, 23.5, 'jj-1', 0.5),
  );
  return rows.sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
}

const SUBS = [
  { msisdn: A },
  { msisdn: B },
  { msisdn: C },
  { msisdn: '13700000004', activatedAt: '2022-09-02' }, // 6 days before D: new
  { msisdn: '13700000005', activatedAt: '2022-09-01' }, // exactly 7 days: served
  { msisdn: '13700000006', kind: 'secondary' as const, primary: A },
];

async function run(files: Record<string, Row[] | string>) {
  const dir = makeInput(SUBS, files);
  dirs.push(dir);
  return compute({ input: dir, date: '2022-09-08', days: 7, now: NOW });
}

const byNumber = <T extends { msisdn: string }>(lines: T[]): Record<string, T> =>
  Object.fromEntries(lines.map((l) => [l.msisdn, l]));

describe('compute on a small world', () => {
  it('answers every number by the rules of DATA.md', async () => {
    const { lines, summary } = await run({ 'all.csv': world() });
    const r = byNumber(lines);
    expect(r[A]).toMatchObject({ status: 'ok', cities: [NANCHANG, JIUJIANG], countries: ['JP'] });
    expect(r[B]).toMatchObject({ status: 'ok', cities: [NANCHANG], countries: [] });
    expect(r[C]).toMatchObject({ status: 'ok', cities: [NANCHANG, JIUJIANG] });
    expect(r['13700000004']).toMatchObject({ status: 'new_subscriber', cities: [] });
    expect(r['13700000005']).toMatchObject({ status: 'no_data' });
    expect(r['13700000006']).toMatchObject({ status: 'ok', cities: [NANCHANG, JIUJIANG], countries: ['JP'] });
    expect(lines.map((l) => l.msisdn)).toEqual(SUBS.map((s) => s.msisdn));
    expect(summary.statuses).toEqual({ ok: 4, no_data: 1, new_subscriber: 1 });
    expect(summary.rejected).toEqual({});
  });

  it('where the naive rule invents the neighbour city and loses the home city', async () => {
    const dir = makeInput(SUBS, { 'all.csv': world() });
    dirs.push(dir);
    const naive = byNumber(await runNaiveRule({ input: dir, date: '2022-09-08', days: 7 }));
    expect(naive[B]!.cities).not.toEqual([NANCHANG]);
    expect(naive[C]!.cities).toEqual([NANCHANG, JIUJIANG]);
  });

  it('counts dirty lines by reason, keeps samples, and gives the clean answer', async () => {
    const rows = world();
    const clean = await run({ 'all.csv': rows });
    const dirty: Row[] = [
      ...rows,
      rows[10]!, // exact duplicate
      rows[500]!,
      ['1380000000', bj(1, 1), 'nc-1', '', 'tau'], // bad msisdn
      [A, 'not-a-time', 'nc-1', '', 'tau'],
      [A, '2022-09-02T10:00:00', 'nc-1', '', 'tau'], // no offset
      [A, '2022-09-02', 'nc-1', '', 'tau'], // a date, no time
      [A, '16620000000000000', 'nc-1', '', 'tau'], // too many digits for epoch milliseconds
      [A, '2099-01-01T00:00:00+08:00', 'nc-1', '', 'tau'], // impossible
      [A, bj(2, 3), 'no-such-cell', '', 'tau'],
      ['13811112222', bj(2, 3), 'nc-1', '', 'tau'], // not a subscriber
      [A, bj(2, 3), '', '', 'tau'], // no location
      [A, bj(2, 3), '', '99999', 'data'], // unknown network
    ];
    const text = `msisdn,ts,cell_id,plmn,event\n${dirty.map((r) => r.join(',')).join('\n')}\nthis line is broken\n"${A},x\n`;
    const res = await run({ 'dirty.csv': text });
    expect(res.lines).toEqual(clean.lines);
    expect(res.summary.rejected).toEqual({
      bad_msisdn: 1,
      bad_timestamp: 4,
      duplicate: 2,
      impossible_timestamp: 1,
      malformed_line: 2,
      no_location: 1,
      unknown_cell: 1,
      unknown_plmn: 1,
      unknown_subscriber: 1,
    });
    expect(res.samples.find((s) => s.reason === 'unknown_cell')?.text).toContain('no-such-cell');
    expect(res.samples.find((s) => s.reason === 'malformed_line')?.line).toBeGreaterThan(0);
  });

  it('uses late records for their own day and reads epoch milliseconds', async () => {
    const rows = world();
    const clean = await run({ 'all.csv': rows });
    const cut = rows.findIndex((r) => r[1] >= bj(4, 0));
    const late = rows.slice(0, cut).filter((_, i) => i % 7 === 0);
    const day = rows.slice(0, cut).filter((_, i) => i % 7 !== 0);
    const later = [...rows.slice(cut), ...late].map((r, i) =>
      i % 3 ? r : ([r[0], String(Date.parse(r[1])), r[2], r[3], r[4]] as Row),
    );
    const res = await run({ 'day-1.csv': day, 'day-2.csv.gz': later });
    expect(res.lines).toEqual(clean.lines);
  });

  it('reads every ISO-8601 offset form: Z, +08, +0800, +08:00', async () => {
    const rows = world();
    const clean = await run({ 'all.csv': rows });
    const forms = rows.map((r, i): Row => {
      const ts = [
        new Date(Date.parse(r[1])).toISOString(),
        r[1].replace(/:00$/, ''),
        r[1].replace(/:(\d\d)$/, '$1'),
        r[1],
      ][i % 4]!;
      return [r[0], ts, r[2], r[3], r[4]];
    });
    expect(forms.slice(0, 4).map((r) => r[1].slice(19))).toEqual(['.000Z', '+08', '+0800', '+08:00']);
    const res = await run({ 'all.csv': forms });
    expect(res.lines).toEqual(clean.lines);
    expect(res.summary.rejected).toEqual({});
  });

  it('reads Parquet with text, timestamp or epoch-millisecond times (not dates) and gives the same answer as CSV', async () => {
    const rows = world();
    const clean = await run({ 'all.csv': rows });
    const q = rows.length >> 2;
    const dir = makeInput(SUBS, { 'part.csv': rows.slice(0, q) });
    dirs.push(dir);
    const { writeFileSync, unlinkSync } = await import('node:fs');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const parts: Array<[string, Row[], string]> = [
      ['text', rows.slice(q, 2 * q), 'msisdn, ts'],
      ['instant', rows.slice(2 * q, 3 * q), 'msisdn, CAST(ts AS TIMESTAMPTZ) AS ts'],
      // A number stored as a number, and one record of an unknown cell.
      [
        'epoch',
        [...rows.slice(3 * q), [A, bj(2, 3), 'no-such-cell', '', 'tau']],
        'CAST(msisdn AS BIGINT) AS msisdn, epoch_ms(CAST(ts AS TIMESTAMPTZ)) AS ts',
      ],
      // A date is not a time.
      ['date', [[A, bj(2, 3), 'nc-1', '', 'tau']], 'msisdn, CAST(CAST(ts AS TIMESTAMPTZ) AS DATE) AS ts'],
    ];
    for (const [name, part, cols] of parts) {
      const tmp = join(dir, `${name}.tmp`);
      writeFileSync(tmp, `msisdn,ts,cell_id,plmn,event\n${part.map((r) => r.join(',')).join('\n')}\n`);
      await conn.run(
        `COPY (SELECT ${cols}, cell_id, plmn, event FROM read_csv('${tmp}', all_varchar = true)) TO '${join(dir, 'signaling', `${name}.parquet`)}' (FORMAT parquet)`,
      );
      unlinkSync(tmp);
    }
    const types: string[] = [];
    for (const [name] of parts) {
      const r = await conn.runAndReadAll(
        `SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'signaling', `${name}.parquet`)}')) WHERE column_name = 'ts'`,
      );
      types.push(String(r.getRows()[0]![0]));
    }
    conn.closeSync();
    inst.closeSync();
    expect(types).toEqual(['VARCHAR', 'TIMESTAMP WITH TIME ZONE', 'BIGINT', 'DATE']);
    const res = await compute({ input: dir, date: '2022-09-08', days: 7, now: NOW });
    expect(res.lines).toEqual(clean.lines);
    expect(res.summary.rejected).toEqual({ unknown_cell: 1, bad_timestamp: 1 });
    expect(res.samples.find((x) => x.reason === 'unknown_cell')?.text).toBe(
      `${A},${Date.parse(bj(2, 3))},no-such-cell,,tau`,
    );
  });

  it('gives the same answer whatever the order, duplication and split of the files', async () => {
    const rows = world();
    const clean = (await run({ 'all.csv': rows })).lines;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1 << 30 }),
        async (parts, duplicate, seed) => {
          let x = seed || 1;
          const rnd = () => {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return (x >>> 0) / 2 ** 32;
          };
          const all = duplicate ? [...rows, ...rows.filter(() => rnd() < 0.2)] : [...rows];
          for (let i = all.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [all[i], all[j]] = [all[j]!, all[i]!];
          }
          const files: Record<string, Row[]> = {};
          all.forEach((r, i) => {
            const name = `f${i % parts}.csv${i % parts === 1 ? '.gz' : ''}`;
            files[name] ??= [];
            files[name].push(r);
          });
          const res = await run(files);
          expect(res.lines).toEqual(clean);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('gives the same answer on one thread, on two, in several shards, and with either stay engine', async () => {
    const rows = world();
    const dirty = [
      rows[10]!, // exact duplicate
      ['1380000000', bj(1, 1), 'nc-1', '', 'tau'], // bad msisdn
      [A, bj(2, 3), 'no-such-cell', '', 'tau'],
      ['13811112222', bj(2, 3), 'nc-1', '', 'tau'], // not a subscriber
      [A, bj(2, 3), '', '99999', 'data'], // unknown network
    ];
    const text = `msisdn,ts,cell_id,plmn,event\n${dirty.map((r) => r.join(',')).join('\n')}\nthis line is broken\n`;
    const dir = makeInput(SUBS, { 'all.csv': rows, 'dirty.csv': text });
    dirs.push(dir);
    const base = { input: dir, date: '2022-09-08', days: 7 as const, now: NOW };
    const one = await compute({ ...base, threads: 1 });
    const two = await compute({ ...base, threads: 2, parallelMinRecords: 0 });
    const progress: Array<{ phase: string; rows: number; estimatedRows: number; shard: number }> = [];
    const sharded = await compute({
      ...base,
      threads: 2,
      parallelMinRecords: 0,
      shardRecords: 300,
      onProgress: (p) => progress.push(p),
    });
    const typescript = await compute({ ...base, threads: 2, parallelMinRecords: 0, nativeEngine: false });
    const typescriptSharded = await compute({
      ...base,
      threads: 2,
      parallelMinRecords: 0,
      shardRecords: 300,
      nativeEngine: false,
    });
    expect([one, two, sharded].map((r) => r.summary.engine)).toEqual(['native', 'native', 'native']);
    expect([typescript, typescriptSharded].map((r) => r.summary.engine)).toEqual(['typescript', 'typescript']);
    // One shard: the native engine read the records in DuckDB's chunks; several: from the shard files.
    expect([one, two, sharded, typescript].map((r) => r.summary.inPlace)).toEqual([true, true, false, false]);
    for (const r of [typescript, typescriptSharded]) {
      expect(r.lines).toEqual(one.lines);
      expect(r.summary.rejected).toEqual(one.summary.rejected);
      expect(r.samples).toEqual(one.samples);
    }
    expect(sharded.summary.shards).toBeGreaterThan(1);
    // Progress goes shard by shard and ends full: the last event's total is the records read.
    expect(progress.map((p) => p.shard)).toEqual([...progress.map((p) => p.shard)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'stays', shard: sharded.summary.shards });
    expect(progress.at(-1)!.rows).toBe(progress.at(-1)!.estimatedRows);
    expect(two.lines).toEqual(one.lines);
    expect(sharded.lines).toEqual(one.lines);
    expect(Object.keys(one.summary.rejected).sort()).toEqual([
      'bad_msisdn',
      'duplicate',
      'malformed_line',
      'unknown_cell',
      'unknown_plmn',
      'unknown_subscriber',
    ]);
    expect(two.summary.rejected).toEqual(one.summary.rejected);
    expect(sharded.summary.rejected).toEqual(one.summary.rejected);
    expect(sharded.samples).toEqual(one.samples);
    expect(sharded.summary.recordsRead).toBe(one.summary.recordsRead);
  });

  it('plans shards of Parquet input from the records its files hold, not from their size', async () => {
    const rows = world();
    const dir = makeInput(SUBS, {});
    dirs.push(dir);
    const csv = join(dir, 'all.tmp');
    const { writeFileSync, unlinkSync } = await import('node:fs');
    writeFileSync(csv, `msisdn,ts,cell_id,plmn,event\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    await conn.run(
      `COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${join(dir, 'signaling', 'all.parquet')}' (FORMAT parquet)`,
    );
    conn.closeSync();
    inst.closeSync();
    unlinkSync(csv);
    const base = { input: dir, date: '2022-09-08', days: 7 as const, now: NOW };
    const plan = async (shardRecords: number) => {
      const totals: number[] = [];
      const res = await compute({ ...base, shardRecords, onProgress: (p) => totals.push(p.estimatedRows) });
      return { shards: res.summary.shards, totals, read: res.summary.recordsRead };
    };
    // Exactly one shard's worth: one scan, and the progress bar knows the total from the start.
    const fits = await plan(rows.length);
    expect(fits.shards).toBe(1);
    expect(fits.read).toBe(rows.length);
    expect(new Set(fits.totals)).toEqual(new Set([rows.length]));
    expect((await plan(rows.length - 1)).shards).toBe(2);
  });

  it('quarantines files it cannot read and goes on with the others', async () => {
    const rows = world();
    const clean = await run({ 'all.csv': rows });
    const dir = makeInput(SUBS, { 'all.csv': rows });
    dirs.push(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'signaling', 'broken.parquet'), 'not parquet at all');
    writeFileSync(join(dir, 'signaling', 'junk.csv'), '\u0000\u0001binary junk\n');
    writeFileSync(join(dir, 'signaling', 'empty.csv.gz'), '');
    const res = await compute({ input: dir, date: '2022-09-08', days: 7, now: NOW });
    expect(res.lines).toEqual(clean.lines);
    expect(res.summary.rejected).toEqual({ unreadable_file: 3 });
    expect(
      res.samples
        .filter((s) => s.reason === 'unreadable_file')
        .map((s) => s.file?.split('/').pop())
        .sort(),
    ).toEqual(['broken.parquet', 'empty.csv.gz', 'junk.csv']);
  });

  it('stops with the file and the reason when the input directory is unusable', async () => {
    const dir = makeInput(SUBS, {});
    dirs.push(dir);
    const err = await compute({ input: dir, date: '2022-09-08', days: 7, now: NOW }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('INPUT_UNUSABLE');
    expect(err.details.file).toContain('signaling');
    const { unlinkSync } = await import('node:fs');
    const dir2 = makeInput(SUBS, { 'a.csv': world() });
    dirs.push(dir2);
    unlinkSync(join(dir2, 'cells.csv'));
    const err2 = await compute({ input: dir2, date: '2022-09-08', days: 7, now: NOW }).catch((e) => e);
    expect(err2.details).toMatchObject({ file: join(dir2, 'cells.csv') });
  });
});
void WUHAN;
