// A small world (300 subscribers x 8 days): determinism, format validity
// against DATA.md and the domain's reference data, and statistical sanity.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countryOfPlmn,
  DAY_MS,
  HOUR_MS,
  isCityCode,
  isIsoDate,
  isOperator,
  MSISDN_RE,
  parseInstant,
} from '@itinerary-card/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONAS, type SimulateResult, simulate, type TruthLine, truthForWindow, windowOf } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'sim-world-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('determinism', () => {
  it('gives the same bytes for the same seed and different signaling for another seed', async () => {
    const opts = { subscribers: 120, days: 3, endDate: '2022-09-07', format: 'csv.gz' as const };
    await simulate({ ...opts, out: join(root, 'a'), seed: 11 });
    await simulate({ ...opts, out: join(root, 'b'), seed: 11 });
    await simulate({ ...opts, out: join(root, 'c'), seed: 12 });
    const a = hashDir(join(root, 'a'));
    expect(Object.keys(a)).toContain('/input/signaling/2022-09-07.csv.gz');
    expect(hashDir(join(root, 'b'))).toEqual(a);
    const c = hashDir(join(root, 'c'));
    expect(c['/input/signaling/2022-09-07.csv.gz']).not.toBe(a['/input/signaling/2022-09-07.csv.gz']);
    expect(c['/truth.jsonl']).not.toBe(a['/truth.jsonl']);
  });

  it('writes Parquet through DuckDB with every line kept', async () => {
    const res = await simulate({
      out: join(root, 'pq'),
      subscribers: 60,
      days: 2,
      endDate: '2022-09-07',
      seed: 5,
      format: 'parquet',
    });
    const files = readdirSync(join(res.inputDir, 'signaling'));
    expect(files).toEqual(['2022-09-06.parquet', '2022-09-07.parquet']);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const rows = (
      await conn.runAndReadAll(
        `SELECT count(*)::INTEGER FROM read_parquet('${join(res.inputDir, 'signaling')}/*.parquet')`,
      )
    ).getRows();
    conn.closeSync();
    db.closeSync();
    expect(rows[0]![0]).toBe(res.stats.lines);
  });

  it('rejects bad options with a stable code', async () => {
    await expect(
      simulate({ out: join(root, 'x'), subscribers: 0, days: 7, endDate: '2022-09-07', seed: 1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      simulate({ out: join(root, 'x'), subscribers: 10, days: 7, endDate: '2022-02-30', seed: 1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('a small world', () => {
  let world: SimulateResult;
  let truth: TruthLine[];
  const cells = new Map<string, { op: string; region: string }>();
  const subs = new Map<string, string[]>();
  const lines: Array<{ file: string; text: string }> = [];
  const truthBy = new Map<string, TruthLine>();

  beforeAll(async () => {
    world = await simulate({
      out: join(root, 'w'),
      subscribers: 300,
      days: 8,
      endDate: '2022-09-07',
      seed: 3,
      format: 'csv',
    });
    truth = readFileSync(world.truthFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TruthLine);
    for (const t of truth) truthBy.set(t.msisdn, t);
    const cellRows = readFileSync(join(world.inputDir, 'cells.csv'), 'utf8').trim().split('\n');
    expect(cellRows[0]).toBe('cell_id,operator,lat,lon,region_code');
    for (const row of cellRows.slice(1)) {
      const [id, op, lat, lon, region] = row.split(',');
      expect(cells.has(id!)).toBe(false);
      cells.set(id!, { op: op!, region: region! });
      expect(Number(lat)).toBeGreaterThan(15);
      expect(Number(lat)).toBeLessThan(54);
      expect(Number(lon)).toBeGreaterThan(73);
      expect(Number(lon)).toBeLessThan(136);
    }
    const subRows = readFileSync(join(world.inputDir, 'subscribers.csv'), 'utf8').trim().split('\n');
    expect(subRows[0]).toBe('msisdn,operator,activated_at,ported_at,kind,primary_msisdn');
    for (const row of subRows.slice(1)) subs.set(row.split(',')[0]!, row.split(','));
    const sigDir = join(world.inputDir, 'signaling');
    for (const f of readdirSync(sigDir).sort()) {
      const rows = readFileSync(join(sigDir, f), 'utf8').trim().split('\n');
      expect(rows[0]).toBe('msisdn,ts,cell_id,plmn,event');
      for (const text of rows.slice(1)) lines.push({ file: f, text });
    }
  });

  it('writes every generated line into the day files', () => {
    expect(world.stats.subscribers).toBe(300);
    expect(lines.length).toBe(world.stats.lines);
  });

  it('registers every cell to an existing city of the domain, for all three operators', () => {
    const ops = new Set<string>();
    for (const c of cells.values()) {
      expect(isCityCode(c.region)).toBe(true);
      expect(isOperator(c.op)).toBe(true);
      ops.add(c.op);
    }
    expect(ops.size).toBe(3);
  });

  it('writes a subscriber registry with every kind, real segments, MVNO and secondary numbers', () => {
    expect(subs.size).toBe(300);
    const kinds = new Set<string>();
    for (const [msisdn, op, activated, ported, kind, primary] of subs.values()) {
      expect(msisdn).toMatch(MSISDN_RE);
      expect(isOperator(op!)).toBe(true);
      expect(isIsoDate(activated!)).toBe(true);
      if (ported) expect(isIsoDate(ported)).toBe(true);
      kinds.add(kind!);
      if (kind === 'mvno') expect(msisdn!.slice(0, 3)).toMatch(/^17[01]$/);
      if (kind === 'secondary') {
        expect(subs.get(primary!)?.[4]).not.toBe('secondary');
        // 一卡多号 is the SIM operator's service: the primary's node holds the signaling of both.
        expect(subs.get(primary!)?.[1]).toBe(op);
      } else expect(primary).toBe('');
    }
    expect([...kinds].sort()).toEqual(['mvno', 'normal', 'secondary']);
    const numberKinds = new Set(truth.map((t) => t.numberKind));
    expect([...numberKinds].sort()).toEqual(['mvno', 'new', 'normal', 'ported', 'secondary']);
    expect(new Set(truth.map((t) => t.persona))).toEqual(new Set(PERSONAS));
    const w = windowOf('2022-09-08', 7);
    expect(truth.some((t) => truthForWindow(t, w).status === 'new_subscriber')).toBe(true);
    expect(truth.some((t) => truthForWindow(t, w).status === 'no_data')).toBe(true);
  });

  it('has only the intended dirty lines invalid, and exactly the intended duplicates', () => {
    let invalid = 0;
    const seen = new Map<string, number>();
    for (const { text } of lines) {
      seen.set(text, (seen.get(text) ?? 0) + 1);
      const f = text.split(',');
      const ts = f.length === 5 ? parseInstant(f[1]!) : Number.NaN;
      const ok =
        f.length === 5 &&
        MSISDN_RE.test(f[0]!) &&
        subs.has(f[0]!) &&
        !Number.isNaN(ts) &&
        ['attach', 'detach', 'tau', 'handover', 'call', 'sms', 'data'].includes(f[4]!) &&
        (f[2] ? cells.has(f[2]) && !f[3] : f[3] !== undefined && (countryOfPlmn(f[3]) ?? 'CN') !== 'CN');
      if (!ok) invalid++;
    }
    expect(world.stats.invalidLines).toBeGreaterThan(0);
    expect(invalid).toBe(world.stats.invalidLines);
    const dupLines = [...seen.values()].reduce((s, n) => s + n - 1, 0);
    expect(dupLines).toBe(world.stats['dirt.duplicates']);
  });

  it('keeps each file in time order except the deliberately late records', () => {
    let disorder = 0;
    let lateIntoNextFile = 0;
    let prevFile = '';
    let max = 0;
    for (const { file, text } of lines) {
      if (file !== prevFile) {
        prevFile = file;
        max = 0;
      }
      const ts = parseInstant(text.split(',')[1] ?? '');
      if (Number.isNaN(ts)) continue;
      if (ts < max) disorder++;
      max = Math.max(max, ts);
      if (ts < Date.parse(`${file.slice(0, 10)}T00:00:00+08:00`)) lateIntoNextFile++;
    }
    expect(lateIntoNextFile).toBeGreaterThan(0);
    expect(disorder).toBeLessThanOrEqual(world.stats['dirt.outOfOrder']! + world.stats['dirt.lateNextDay']!);
    expect(disorder).toBeGreaterThan(0);
  });

  it('has realistic rates: about hourly TAU while idle, calls/SMS/data per day', () => {
    const perSub = new Map<string, number[]>();
    const events: Record<string, number> = {};
    for (const { text } of lines) {
      const f = text.split(',');
      if (f.length !== 5) continue;
      events[f[4]!] = (events[f[4]!] ?? 0) + 1;
      const persona = truthBy.get(f[0]!)?.persona;
      if (persona !== 'home') continue;
      const ts = parseInstant(f[1]!);
      if (Number.isNaN(ts)) continue;
      perSub.set(f[0]!, [...(perSub.get(f[0]!) ?? []), ts]);
    }
    // Gaps between records of people staying at home: never much more than the TAU period.
    const gaps: number[] = [];
    for (const ts of perSub.values()) {
      ts.sort((a, b) => a - b);
      for (let i = 1; i < ts.length; i++) gaps.push(ts[i]! - ts[i - 1]!);
    }
    gaps.sort((a, b) => a - b);
    const p99 = gaps[Math.floor(gaps.length * 0.99)]!;
    expect(p99).toBeGreaterThan(0.9 * HOUR_MS);
    expect(p99).toBeLessThan(1.1 * HOUR_MS);
    const subDays = world.stats.subscribers * 8;
    expect(events.tau! / subDays).toBeGreaterThan(15);
    expect(events.tau! / subDays).toBeLessThan(30);
    expect(events.call! / subDays).toBeGreaterThan(3);
    expect(events.call! / subDays).toBeLessThan(5);
    expect(events.data! / subDays).toBeGreaterThan(7);
    expect(lines.length / subDays).toBeGreaterThan(30);
    expect(lines.length / subDays).toBeLessThan(60);
  });

  it('has a plausible share of travellers in a 7-day window', () => {
    const w = windowOf('2022-09-08', 7);
    let travellers = 0;
    let scored = 0;
    for (const t of truth) {
      const tw = truthForWindow(t, w);
      if (tw.status !== 'ok') continue;
      scored++;
      const places = [...tw.cities.values()].filter((d) => d === 'yes').length + tw.countries.size;
      if (places >= 2) travellers++;
    }
    const share = travellers / scored;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.5);
  });

  it("serves border residents from their own city's cells 55-70% of the time, switching often", () => {
    let own = 0;
    let total = 0;
    let switches = 0;
    const last = new Map<string, string>();
    for (const { text } of lines) {
      const f = text.split(',');
      if (f.length !== 5 || !f[2]) continue;
      const t = truthBy.get(f[0]!);
      if (t?.persona !== 'border_resident' || t.numberKind === 'secondary') continue;
      const region = cells.get(f[2])?.region;
      if (!region) continue;
      total++;
      if (region === t.stays[0]!.city) own++;
      if (last.get(f[0]!) !== undefined && last.get(f[0]!) !== region) switches++;
      last.set(f[0]!, region);
    }
    expect(total).toBeGreaterThan(1000);
    expect(own / total).toBeGreaterThan(0.55);
    expect(own / total).toBeLessThan(0.7);
    // Ping-pong every few minutes to an hour: dozens of switches per person and day.
    const people = new Set([...last.keys()]).size;
    expect(switches / people / 8).toBeGreaterThan(15);
  });

  it('marks truth stays with the records around them and never a 4 h stay in a city passed by train', () => {
    const w = windowOf('2022-09-08', 7);
    let passed = 0;
    for (const t of truth.filter((x) => x.persona === 'train_traveller')) {
      const cities = t.stays.map((s) => s.city);
      for (const s of t.stays) {
        if (s.firstObs !== null) {
          expect(s.firstObs).toBeGreaterThanOrEqual(s.start);
          expect(s.lastObs!).toBeLessThan(s.end);
        }
        if (s.prevObs !== null) expect(s.prevObs).toBeLessThan(s.start);
        if (s.nextObs !== null) expect(s.nextObs).toBeGreaterThanOrEqual(s.end);
      }
      // Intermediate cities: stays under 4 h that the data decides as "not listed".
      for (let i = 1; i < t.stays.length - 1; i++) {
        const s = t.stays[i]!;
        if (s.end - s.start < 4 * HOUR_MS && cities.indexOf(s.city) === i) {
          passed++;
          const d = truthForWindow({ ...t, stays: [s] }, w).cities.get(s.city);
          if (d) expect(d).toBe('no');
        }
      }
    }
    expect(passed).toBeGreaterThan(0);
    expect(world.stats.days * DAY_MS).toBe(8 * DAY_MS);
  });
});
