import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { InputDir } from '../src/read/input-dir.ts';
import { Quarantine } from '../src/read/quarantine.ts';
import { duckdbCsvRows, loadRegistries, readCsvRows, simpleCsvRows } from '../src/read/registry.ts';
import { duckDbForTests } from './duckdb-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ic-registry-'));
const db = duckDbForTests(2);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function input(cells: string, subscribers: string): InputDir {
  return {
    root: dir,
    cellsPath: file('cells.csv', cells),
    subscribersPath: file('subscribers.csv', subscribers),
    signaling: [],
    skipped: [],
  };
}

describe('reading a registry file', () => {
  it('gives every row in file order, fields as written, whatever the batch size', async () => {
    const lines = ['a,b,c'];
    const want: string[][] = [];
    for (let i = 0; i < 23; i++) {
      want.push([`id-${i}`, `名称${i}`, String(i * 7)]);
      lines.push(`id-${i},名称${i},${i * 7}`);
    }
    // Quoting: a comma, a doubled quote and a line break inside fields; a short row.
    lines.push('"q,1","say ""hi""","two\nlines"', 'short');
    want.push(['q,1', 'say "hi"', 'two\nlines'], ['short', '', '']);
    const path = file('rows.csv', `${lines.join('\n')}\n`);
    for (const piece of [1, 2, 5, 50_000]) {
      expect(await readCsvRows(db.conn, path, ['a', 'b', 'c'], piece)).toEqual(want);
    }
    // Columns in the asked order, not the file's.
    expect((await readCsvRows(db.conn, path, ['c', 'a']))[1]).toEqual(['7', 'id-1']);
  });

  it('gives no rows for a header alone', async () => {
    expect(await readCsvRows(db.conn, file('empty.csv', 'a,b\n'), ['a', 'b'])).toEqual([]);
  });
});

describe('loading the registries', () => {
  it('keeps the first of two rows with the same id and quarantines the rest by reason', async () => {
    const q = new Quarantine();
    const reg = await loadRegistries(
      db.conn,
      input(
        [
          'cell_id,operator,lat,lon,region_code',
          'c1,cmcc,39.9,116.4,110000',
          'c2,cmcc,28.7,115.9,360100',
          'c1,cmcc,28.7,115.9,360100',
          'c3,nope,28.7,115.9,360100',
          'c4,cmcc,95,115.9,360100',
          'c5,cmcc,28.7,115.9,999999',
          'c6,cucc,28.6,115.8,360100',
        ].join('\n'),
        [
          'msisdn,operator,activated_at,ported_at,kind,primary_msisdn',
          '13800000001,cmcc,2020-01-01,,normal,',
          '13800000002,cucc,2020-01-01,2022-05-01,mvno,',
          '13800000001,ctcc,2021-01-01,,normal,',
          '13800000003,cmcc,2020-01-01,,secondary,13800000001',
          '13800000004,cmcc,2020-13-45,,normal,',
          '13800000005,cmcc,2020-01-01,,secondary,13800000005',
          '2380000000,cmcc,2020-01-01,,normal,',
        ].join('\n'),
      ),
      q,
    );
    expect(reg.cellIds).toEqual(['c1', 'c2', 'c6']);
    expect(reg.cityCodes).toEqual(['110000', '360100']);
    expect(reg.cellIndex.get('c6')).toBe(2);
    expect(reg.subscribers.map((s) => s.msisdn)).toEqual(['13800000001', '13800000002', '13800000003']);
    expect(reg.subscribers[0]!.operator).toBe('cmcc');
    expect(reg.subscribers[1]).toMatchObject({ kind: 'mvno', portedAt: '2022-05-01' });
    expect(reg.subscribers[2]!.primaryMsisdn).toBe('13800000001');
    expect(reg.indexOf.get('13800000003')).toBe(2);
    expect(q.toJSON()).toEqual({ bad_cell_row: 4, bad_subscriber_row: 4 });
    // Samples by reason, each reason's in order (file, then text).
    expect(q.samples.map((s) => s.text.split(':')[0])).toEqual([
      'bad lat',
      'duplicate cell_id',
      'region_code is not a GB/T 2260 city',
      'unknown operator',
      'bad activated_at',
      'bad msisdn',
      'bad primary_msisdn',
      'duplicate msisdn',
    ]);
    // The lookup tables the signaling scan joins on.
    const cells = await db.conn.runAndReadAll('SELECT cell_id, idx FROM cells_idx ORDER BY idx');
    expect(cells.getRows()).toEqual([
      ['c1', 0],
      ['c2', 1],
      ['c6', 2],
    ]);
    const subs = await db.conn.runAndReadAll('SELECT msisdn, idx FROM subs_idx ORDER BY idx');
    expect(subs.getRows()).toEqual([
      ['13800000001', 0],
      ['13800000002', 1],
      ['13800000003', 2],
    ]);
    // The rows they were made from are gone.
    const tables = await db.conn.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY table_name');
    expect(tables.getRows().flat()).toEqual(['cells_idx', 'subs_idx']);
  });
});

describe('a simple registry file read without DuckDB', () => {
  it('gives the rows DuckDB gives, or leaves the file to DuckDB', async () => {
    // Lines of fields from a few characters, some DuckDB reads its own way (quotes, spaces, ...).
    const fieldText = fc.stringMatching(/^[a-c1#]{0,3}$/);
    const odd = fc.constantFrom('"', ' ', '\r', 'é', '\t', '');
    const cell = fc.oneof({ weight: 30, arbitrary: fieldText }, { weight: 1, arbitrary: odd });
    const line = fc.oneof(
      { weight: 30, arbitrary: fc.array(cell, { minLength: 3, maxLength: 3 }).map((f) => f.join(',')) },
      { weight: 1, arbitrary: fc.array(cell, { minLength: 0, maxLength: 5 }).map((f) => f.join(',')) },
    );
    const header = fc.constantFrom('a,b,c', 'A,b,C', 'c,b,a', 'a,b,x', 'a,b,c,d', 'a,a,b');
    let simple = 0;
    let other = 0;
    await fc.assert(
      fc.asyncProperty(header, fc.array(line, { maxLength: 8 }), fc.boolean(), async (h, lines, end) => {
        const text = `${[h, ...lines].join('\n')}${end ? '\n' : ''}`;
        const path = file('simple.csv', text);
        const fast = simpleCsvRows(Buffer.from(text, 'utf8'), ['c', 'a']);
        if (!fast) {
          other++;
          return;
        }
        simple++;
        expect(fast).toEqual(await duckdbCsvRows(db.conn, path, ['c', 'a']));
      }),
      { numRuns: 150 },
    );
    expect(simple).toBeGreaterThan(20);
    expect(other).toBeGreaterThan(5);
  }, 60_000);
});
