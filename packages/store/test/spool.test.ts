// The spool: records appended while the database is down are on disk (fsynced)
// before the append resolves, delivered in order once it is back, kept across a
// restart, and refused past the bound rather than dropped.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool } from '../src/spool.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ic-spool-'));
  dirs.push(d);
  return d;
}

interface Rec {
  key: string;
  n: number;
}

describe('Spool', () => {
  it('keeps records while delivery fails, delivers them in order, and survives a restart', async () => {
    const dir = tempDir();
    let up = false;
    const stored = new Map<string, number>();
    const deliver = async (rs: Rec[]) => {
      if (!up) throw new Error('database down');
      for (const r of rs) stored.set(r.key, r.n); // keyed: a repeat changes nothing
    };
    const a = await Spool.open<Rec>({ dir, name: 'audit', maxBytes: 1 << 20, deliver, retryMs: 60_000, chunk: 3 });
    for (let i = 0; i < 10; i++) await a.append([{ key: `k${i}`, n: i }]);
    expect(a.count).toBe(10);
    expect(a.oldestAt()).toBeTypeOf('number');
    expect(await a.deliver()).toBe(false);
    await a.append([{ key: 'k10', n: 10 }]);
    expect(a.count).toBe(11);
    await a.close(); // a clean stop with the database down: the records stay on disk
    expect(readdirSync(dir).length).toBeGreaterThan(0);

    // The next start (same pid, as in a container) takes them over and delivers them once the database is back.
    const order: number[] = [];
    const b = await Spool.open<Rec>({
      dir,
      name: 'audit',
      maxBytes: 1 << 20,
      retryMs: 60_000,
      deliver: async (rs) => {
        await deliver(rs);
        order.push(...rs.map((r) => r.n));
      },
    });
    expect(b.count).toBe(11);
    up = true;
    expect(await b.deliver()).toBe(true);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stored.size).toBe(11);
    expect(b.count).toBe(0);
    expect(b.oldestAt()).toBeUndefined();
    await b.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a left file whatever digits its random part holds', async () => {
    // A UUID whose groups are all digits once made the name pattern read the
    // wrong pid and kind, and the file was left behind (check-ins lost).
    const dir = tempDir();
    const gone = 2 ** 22 + 12_345; // above any Linux pid_max: no such process
    const names = [
      `audit-${gone}-0-12345678-1234-4234-8234-123456789012.jsonl`,
      `audit-${gone}-1-00000000-0000-4000-8000-000000000000.jsonl`,
      `audit-${process.pid}-2-11111111-2222-4333-9444-555555555555.jsonl`,
    ];
    for (const [i, n] of names.entries()) writeFileSync(join(dir, n), `${JSON.stringify({ key: `k${i}`, n: i })}\n`);
    writeFileSync(join(dir, `checkins-${gone}-0-12345678-1234-4234-8234-123456789012.jsonl`), '{"key":"x","n":9}\n');
    const got: number[] = [];
    const s = await Spool.open<Rec>({
      dir,
      name: 'audit',
      maxBytes: 1 << 20,
      retryMs: 60_000,
      deliver: async (rs) => {
        got.push(...rs.map((r) => r.n));
      },
    });
    expect(await s.deliver()).toBe(true);
    expect(got.sort()).toEqual([0, 1, 2]);
    await s.close();
    expect(readdirSync(dir)).toEqual([`checkins-${gone}-0-12345678-1234-4234-8234-123456789012.jsonl`]);
  });

  it('refuses an append past its bound, with STORAGE_UNAVAILABLE, and takes more once delivered', async () => {
    const dir = tempDir();
    let up = false;
    const s = await Spool.open<Rec>({
      dir,
      name: 'checkins',
      maxBytes: 200,
      retryMs: 60_000,
      deliver: async () => {
        if (!up) throw new Error('down');
      },
    });
    const rec = (n: number) => ({ key: `key-${n}`.padEnd(40, 'x'), n });
    await s.append([rec(1), rec(2), rec(3)]);
    await expect(s.append([rec(4), rec(5)])).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(s.count).toBe(3);
    up = true;
    expect(await s.deliver()).toBe(true);
    await s.append([rec(4), rec(5)]);
    expect(s.count).toBe(2);
    await s.close();
  });
});
