import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beijingDayStart, HOUR_MS, type ItineraryLine } from '@itinerary-card/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, formatEvalReport } from './evaluate.ts';
import type { TruthLine, TruthStay } from './truth.ts';
import { stayDecision, truthForWindow, windowOf } from './window-rules.ts';

const D = '2022-09-08';
const w = windowOf(D, 7); // [09-01 00:00, 09-08 00:00) Beijing
const at = (date: string, h: number) => beijingDayStart(date) + h * HOUR_MS;

function stay(city: string, start: number, end: number, obs: Partial<TruthStay> = {}): TruthStay {
  // Dense records by default: one at arrival, one just before leaving, neighbours a minute away.
  return {
    city,
    start,
    end,
    firstObs: start,
    lastObs: end - 1000,
    prevObs: start - 60_000,
    nextObs: end + 60_000,
    ...obs,
  };
}

describe('stayDecision (the window rule on the truth)', () => {
  it('lists a stay of 4 h or more inside the window, not a shorter one', () => {
    expect(stayDecision(stay('360100', at('2022-09-03', 8), at('2022-09-03', 13)), w)).toBe('yes');
    expect(stayDecision(stay('360100', at('2022-09-03', 8), at('2022-09-03', 11)), w)).toBe('no');
  });

  it('counts a stay begun before the window that continues into it', () => {
    expect(stayDecision(stay('360100', at('2022-08-31', 20), at('2022-09-01', 1)), w)).toBe('yes');
  });

  it('counts a stay open at the window end only once it has reached 4 h by then', () => {
    expect(stayDecision(stay('360100', at('2022-09-07', 21), at('2022-09-08', 6)), w)).toBe('no');
    expect(stayDecision(stay('360100', at('2022-09-07', 19), at('2022-09-08', 6)), w)).toBe('yes');
  });

  it('leaves a 4 h 05 min stay with sparse records undecidable', () => {
    const s = stay('360100', at('2022-09-03', 8), at('2022-09-03', 12) + 5 * 60_000, {
      firstObs: at('2022-09-03', 8.5),
      lastObs: at('2022-09-03', 11.5),
      prevObs: at('2022-09-03', 7.9),
      nextObs: at('2022-09-03', 12.2),
    });
    expect(stayDecision(s, w)).toBe('undecidable');
  });

  it('ignores stays outside the window', () => {
    expect(stayDecision(stay('360100', at('2022-08-30', 0), at('2022-08-31', 0)), w)).toBe('outside');
  });
});

describe('truthForWindow status', () => {
  const base: TruthLine = {
    msisdn: '13800000001',
    operator: 'cmcc',
    kind: 'normal',
    numberKind: 'normal',
    persona: 'home',
    activatedAt: '2020-01-01',
    stays: [],
    abroad: [],
    obsDays: ['2022-09-02'],
  };
  it('is new_subscriber under 7 days, no_data without a record in the window, else ok', () => {
    expect(truthForWindow({ ...base, activatedAt: '2022-09-02' }, w).status).toBe('new_subscriber');
    expect(truthForWindow({ ...base, activatedAt: '2022-09-01' }, w).status).toBe('ok');
    expect(truthForWindow({ ...base, obsDays: ['2022-08-30'] }, w).status).toBe('no_data');
  });
});

describe('evaluate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes precision and recall, skips undecidable cases and breaks errors down by persona', async () => {
    const day = (h: number) => at('2022-09-03', h);
    const truth: TruthLine[] = [
      {
        msisdn: '13800000001',
        operator: 'cmcc',
        kind: 'normal',
        numberKind: 'normal',
        persona: 'commuter',
        activatedAt: '2020-01-01',
        // Home all week, 9 h at work in a neighbouring city on one day.
        stays: [
          stay('360100', w.start, day(8), { nextObs: day(8) + 60_000 }),
          stay('360400', day(8), day(17), { prevObs: day(8) - 60_000, nextObs: day(17) + 60_000 }),
          stay('360100', day(17), w.end, { prevObs: day(17) - 60_000 }),
        ],
        abroad: [],
        obsDays: ['2022-09-03'],
      },
      {
        msisdn: '13800000002',
        operator: 'cmcc',
        kind: 'normal',
        numberKind: 'normal',
        persona: 'day_tripper',
        activatedAt: '2020-01-01',
        stays: [
          stay('110000', w.start, day(9)),
          // A 4 h 05 min trip with sparse records: undecidable, not scored either way.
          stay('130600', day(9), day(13) + 5 * 60_000, {
            firstObs: day(9.5),
            lastObs: day(12.5),
            prevObs: day(8.9),
            nextObs: day(13.2),
          }),
          stay('110000', day(13) + 5 * 60_000, w.end),
        ],
        abroad: [
          {
            country: 'JP',
            start: day(20),
            end: day(30),
            roamingObs: [day(21), day(29)],
            roamingDays: ['2022-09-03', '2022-09-04'],
          },
          { country: 'TH', start: day(40), end: day(50), roamingObs: null, roamingDays: [] },
        ],
        obsDays: ['2022-09-03'],
      },
      {
        msisdn: '13800000003',
        operator: 'cmcc',
        kind: 'normal',
        numberKind: 'new',
        persona: 'home',
        activatedAt: '2022-09-05',
        stays: [stay('360100', at('2022-09-05', 10), w.end)],
        abroad: [],
        obsDays: ['2022-09-05'],
      },
    ];
    const file = join(dir, 'truth.jsonl');
    writeFileSync(file, truth.map((t) => JSON.stringify(t)).join('\n'));
    const line = (msisdn: string, status: ItineraryLine['status'], cities: string[], countries: string[] = []) => ({
      msisdn,
      date: D,
      days: 7 as const,
      status,
      cities,
      countries,
    });
    const result: ItineraryLine[] = [
      line('13800000001', 'ok', ['360100']), // misses 360400: FN
      line('13800000002', 'ok', ['110000', '130600', '120000'], ['JP', 'TH']), // 130600/TH undecidable, 120000 FP
      line('13800000003', 'ok', ['360100']), // should be new_subscriber: status error and a city FP
    ];
    const r = await evaluate({ truthFile: file, result, days: 7, date: D });
    expect(r.subscribers).toBe(3);
    expect(r.cities).toMatchObject({ tp: 2, fp: 2, fn: 1, undecidable: 1 });
    expect(r.cities.precision).toBeCloseTo(0.5);
    expect(r.cities.recall).toBeCloseTo(2 / 3);
    expect(r.countries).toMatchObject({ tp: 1, fp: 0, fn: 0, undecidable: 1 });
    expect(r.status.correct).toBe(2);
    expect(r.status.confusion['new_subscriber->ok']).toBe(1);
    expect(r.undecidable).toEqual({ cities: 1, countries: 1 });
    expect(r.byPersona.commuter).toMatchObject({ cityFn: 1, cityFp: 0 });
    expect(r.byPersona.day_tripper).toMatchObject({ cityFp: 1, cityFn: 0 });
    expect(r.byPersona.home).toMatchObject({ cityFp: 1, statusErrors: 1 });
    expect(r.byKind.new).toMatchObject({ statusErrors: 1 });
    const text = formatEvalReport(r);
    expect(text).toContain('precision 50.00%');
    expect(text).not.toContain('13800000001');
  });

  it('counts the false cities of people who never left their city by their distance from the border', async () => {
    const person = (n: number, km: number): TruthLine => ({
      msisdn: `1380000010${n}`,
      operator: 'cmcc',
      kind: 'normal',
      numberKind: 'normal',
      persona: 'border_resident',
      activatedAt: '2020-01-01',
      stays: [stay('360100', w.start - 86_400_000, w.end)],
      abroad: [],
      obsDays: ['2022-09-03'],
      homeBorderKm: km,
    });
    const sub = mkdtempSync(join(dir, 'w-'));
    const file = join(sub, 'truth.jsonl');
    writeFileSync(file, [person(1, 1.5), person(2, 1.4), person(3, 30)].map((t) => JSON.stringify(t)).join('\n'));
    writeFileSync(join(sub, 'world.json'), JSON.stringify({ coverage: 'zones' }));
    const ok = (msisdn: string, cities: string[]) => ({
      msisdn,
      date: D,
      days: 7 as const,
      status: 'ok' as const,
      cities,
      countries: [],
    });
    const r = await evaluate({
      truthFile: file,
      result: [ok('13800000101', ['360100', '361100']), ok('13800000102', ['360100']), ok('13800000103', ['360100'])],
      days: 7,
      date: D,
    });
    expect(r.coverage).toBe('zones');
    expect(r.byBorderKm.find((b) => b.bucket === '< 2 km')).toEqual({ bucket: '< 2 km', subscribers: 2, falseCity: 1 });
    expect(r.byBorderKm.find((b) => b.bucket === '>= 20 km')).toEqual({
      bucket: '>= 20 km',
      subscribers: 1,
      falseCity: 0,
    });
    expect(formatEvalReport(r)).toContain('< 2 km: 1/2 (50.00%)');
  });

  it('rejects a bad date or window', async () => {
    await expect(evaluate({ truthFile: 'x', result: [], days: 7, date: '2022-13-01' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
