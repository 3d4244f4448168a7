// The registries kept between runs (registry-cache.ts): found by the files' bytes,
// so a registry rewritten in place (same size, same modification time) is read again.
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { compute } from '../src/compute/compute.ts';
import { inspectInput } from '../src/read/input-dir.ts';
import { Quarantine } from '../src/read/quarantine.ts';
import { loadRegistries } from '../src/read/registry.ts';
import { cachedRegistries, forgetCachedRegistries } from '../src/read/registry-cache.ts';
import { duckDbForTests } from './duckdb-fixture.ts';
import { bj, every, makeInput, type Row } from './fixture-input.ts';

const NOW = Date.parse('2022-09-08T09:00:00+08:00');
const A = '13800000001';
const B = '13900000002';
const dirs: string[] = [];
const db = duckDbForTests(1);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => forgetCachedRegistries());

function input(rows: Row[], extraCells: string[][] = []): string {
  const dir = makeInput([{ msisdn: A }, { msisdn: B }], { 'a.csv': rows }, extraCells);
  dirs.push(dir);
  for (const f of ['cells.csv', 'subscribers.csv']) utimesSync(join(dir, f), FILE_TIME, FILE_TIME);
  return dir;
}

/** The registry files' modification time (whole seconds: kept exactly by utimes). */
const FILE_TIME = 1_660_000_000;

/** Rewrites a file with other bytes of the same length, its modification time kept. */
function rewriteInPlace(path: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const before = statSync(path);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, FILE_TIME, FILE_TIME);
  const after = statSync(path);
  expect(after.size).toBe(before.size);
  expect(after.mtimeMs).toBe(before.mtimeMs);
}

const quarantined = (q: Quarantine) => ({ counts: Object.fromEntries(q.counts), samples: q.samples });

describe('registries kept between runs', () => {
  it('are the same registries, rejects included, while the files hold the same bytes', async () => {
    const dir = input([], [['bad-cell', 'cmcc', '95', '115.9', '360100']]);
    const dirInput = await inspectInput(dir);
    const fresh = new Quarantine();
    const want = await loadRegistries(db.conn, dirInput, fresh);
    const q1 = new Quarantine();
    const first = await cachedRegistries(db.conn, dirInput, q1);
    const q2 = new Quarantine();
    const second = await cachedRegistries(db.conn, dirInput, q2);
    expect(second).toBe(first);
    expect(first).toEqual(want);
    expect(quarantined(q1)).toEqual(quarantined(fresh));
    expect(quarantined(q2)).toEqual(quarantined(fresh));
    expect(fresh.counts.get('bad_cell_row')).toBe(1);
  });

  it('are read again when a registry file is rewritten with the same size and time', async () => {
    const dir = input([]);
    const dirInput = await inspectInput(dir);
    const first = await cachedRegistries(db.conn, dirInput, new Quarantine());
    rewriteInPlace(dirInput.subscribersPath, A, '13800000009');
    rewriteInPlace(dirInput.cellsPath, '28.68', '28.70');
    const second = await cachedRegistries(db.conn, dirInput, new Quarantine());
    expect(second).not.toBe(first);
    expect(second).toEqual(await loadRegistries(db.conn, dirInput, new Quarantine()));
    expect(second.subscribers[0]!.msisdn).toBe('13800000009');
    expect(second.cellSites[0]!.lat).toBe(28.7);
  });

  it('are not kept when DuckDB read a file (its bytes were not the ones hashed)', async () => {
    const dir = input([]);
    const dirInput = await inspectInput(dir);
    // A quoted field: not a simple file (simpleCsvRows), so DuckDB reads it from its path.
    const cells = readFileSync(dirInput.cellsPath, 'utf8');
    writeFileSync(dirInput.cellsPath, cells.replace('nc-1,cmcc', '"nc-1",cmcc'));
    const first = await cachedRegistries(db.conn, dirInput, new Quarantine());
    const second = await cachedRegistries(db.conn, dirInput, new Quarantine());
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(first.cellIds[0]).toBe('nc-1');
  });

  it('give compute the new answers after a registry is rewritten in place', async () => {
    // A stays in nc-1 all week; nc-1 is then moved to Jiujiang (same bytes long, same time).
    const rows: Row[] = [];
    for (let d = 0; d < 7; d++) rows.push(...every(A, d, 0, 23.5, 'nc-1', 0.5));
    rows.push([B, bj(3, 12), 'nc-1', '', 'call']);
    const dir = input(rows);
    const opts = { input: dir, date: '2022-09-08', days: 7 as const, now: NOW };
    const before = await compute(opts);
    expect(before.lines.find((l) => l.msisdn === A)!.cities).toEqual(['360100']);
    const cells = join(dir, 'cells.csv');
    rewriteInPlace(cells, 'nc-1,cmcc,28.68,115.89,360100', 'nc-1,cmcc,28.68,115.89,360400');
    const after = await compute(opts);
    expect(after.lines.find((l) => l.msisdn === A)!.cities).toEqual(['360400']);
    // Each run as a run in a fresh process would give it.
    forgetCachedRegistries();
    expect((await compute(opts)).lines).toEqual(after.lines);
  });
});
