// Small hand-made input directories (DATA.md format) for pipeline tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

export const NANCHANG = '360100';
export const JIUJIANG = '360400';
export const WUHAN = '420100';

/** The daily-run tests' pseudonym key, two subscribers and the time they run at. */
export const DAILY = {
  KEY: 'test-pseudonym-key-0123456789',
  A: '13800000001',
  B: '13900000002',
  NOW: Date.parse('2022-09-10T09:00:00+08:00'),
} as const;

/** A list of folders the calling test file fills; they are removed after its tests. */
export function removedAfterAll(): string[] {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return dirs;
}

/** Cells: Nanchang interior and border, Jiujiang border and interior, Wuhan interior, on a line. */
const CELLS = [
  ['nc-1', 'cmcc', '28.68', '115.89', NANCHANG],
  ['nc-b', 'cmcc', '29.10', '115.90', NANCHANG],
  ['jj-b', 'cmcc', '29.13', '115.90', JIUJIANG],
  ['jj-1', 'cmcc', '29.70', '116.00', JIUJIANG],
  ['wh-1', 'cmcc', '30.59', '114.30', WUHAN],
];

export interface FixtureSub {
  msisdn: string;
  activatedAt?: string;
  portedAt?: string;
  kind?: 'normal' | 'mvno' | 'secondary';
  primary?: string;
}

/** Records as [msisdn, ts (string as written), cell_id, plmn, event]. */
export type Row = [string, string, string, string, string];

export function makeInput(
  subs: FixtureSub[],
  files: Record<string, Row[] | string>,
  extraCells: string[][] = [],
): string {
  const dir = mkdtempSync(join(tmpdir(), 'ic-input-'));
  mkdirSync(join(dir, 'signaling'));
  writeFileSync(
    join(dir, 'cells.csv'),
    `cell_id,operator,lat,lon,region_code\n${[...CELLS, ...extraCells].map((c) => c.join(',')).join('\n')}\n`,
  );
  writeFileSync(
    join(dir, 'subscribers.csv'),
    `msisdn,operator,activated_at,ported_at,kind,primary_msisdn\n${subs
      .map((s) =>
        [s.msisdn, 'cmcc', s.activatedAt ?? '2020-01-01', s.portedAt ?? '', s.kind ?? 'normal', s.primary ?? ''].join(
          ',',
        ),
      )
      .join('\n')}\n`,
  );
  for (const [name, rows] of Object.entries(files)) {
    const text =
      typeof rows === 'string' ? rows : `msisdn,ts,cell_id,plmn,event\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    writeFileSync(join(dir, 'signaling', name), name.endsWith('.gz') ? gzipSync(text) : text);
  }
  return dir;
}

/** ISO time in Beijing for day `d` (2022-09-01 + d) at hour `h` (fractions allowed). */
export function bj(d: number, h: number): string {
  const ms = Date.parse('2022-09-01T00:00:00+08:00') + d * 86_400_000 + Math.round(h * 3_600_000);
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** Records at one cell every `step` hours over [from, to] on day d. */
export function every(msisdn: string, d: number, from: number, to: number, cell: string, step = 1): Row[] {
  const out: Row[] = [];
  for (let h = from; h <= to + 1e-9; h += step) out.push([msisdn, bj(d, h), cell, '', 'tau']);
  return out;
}
