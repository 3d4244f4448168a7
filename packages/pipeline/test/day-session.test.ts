// Consecutive daily runs in one DaySession (one DuckDB instance, the registries and
// pseudonyms loaded once) write what runs each on their own write, day for day:
// summaries, carries, quarantine samples (malformed lines, rejected registry rows)
// and run state; a registry file changed between two days is loaded again.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { DaySession } from '../src/daily/day-run.ts';
import { bj, DAILY, every, makeInput, type Row, removedAfterAll } from './fixture-input.ts';

const { KEY, A, B, NOW } = DAILY;
const cleanup = removedAfterAll();

/** Two days per file, a malformed line and a rejected record in each, B's stay carried over midnight. */
function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let d = 2; d <= 5; d++) {
    const rows: Row[] = [
      ...every(A, d, 0, 23.5, d === 3 ? 'jj-1' : 'nc-1', 0.5),
      ...every(B, d, 20, 23.5, d % 2 ? 'wh-1' : 'nc-1', 0.5),
      ['13811112222', bj(d, 1), 'nc-1', '', 'tau'], // not a subscriber
    ];
    const day = addDays('2022-09-01', d);
    out[`${day}.csv`] =
      `msisdn,ts,cell_id,plmn,event\n${rows.map((r) => r.join(',')).join('\n')}\n${A},${bj(d, 5)},nc-1,,tau,extra,columns\n`;
  }
  return out;
}

/** Every file the runs wrote under `days/`, by path, durations left out. */
function written(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const day of readdirSync(join(data, 'days')))
    for (const f of readdirSync(join(data, 'days', day)))
      out[`${day}/${f}`] = readFileSync(join(data, 'days', day, f), 'utf8').replace(/"durationMs": \d+/, '');
  return out;
}

async function runAll(input: string, session?: DaySession, between?: (day: string) => void) {
  const data = mkdtempSync(join(tmpdir(), 'ic-session-'));
  cleanup.push(data);
  for (let day = '2022-09-03'; day <= '2022-09-06'; day = addDays(day, 1)) {
    between?.(day);
    await runDailyDay({ input, data, day, operator: 'cmcc', pseudonymKey: KEY, now: NOW, session });
  }
  return written(data);
}

describe('daily runs in one DaySession', () => {
  it('write what runs of their own write, rejects of the scan and of the registries included', async () => {
    const input = makeInput([{ msisdn: A }, { msisdn: B }, { msisdn: 'not-a-number' }], files());
    cleanup.push(input);
    const alone = await runAll(input);
    const session = new DaySession();
    let shared: Record<string, string>;
    try {
      shared = await runAll(input, session);
    } finally {
      session.close();
    }
    expect(Object.keys(shared).length).toBe(4 * 5);
    expect(shared).toEqual(alone);
    // Each day counts its own malformed line and its registry's bad row once.
    const run = JSON.parse(shared['2022-09-05/run.json']!) as { rejected: Record<string, number> };
    expect(run.rejected.malformed_line).toBe(1);
    expect(run.rejected.bad_subscriber_row).toBe(1);
    expect(shared['2022-09-05/quarantine.jsonl']!.match(/malformed_line/g)).toHaveLength(1);
  }, 60_000);

  it('loads the registries again when a registry file changes between two days', async () => {
    const input = makeInput([{ msisdn: A }], files());
    cleanup.push(input);
    const change = (day: string) => {
      // From day 2022-09-05 on, B is a subscriber too.
      if (day === '2022-09-05') appendFileSync(join(input, 'subscribers.csv'), `${B},cmcc,2020-01-01,,normal,\n`);
    };
    const session = new DaySession();
    let shared: Record<string, string>;
    try {
      shared = await runAll(input, session, change);
    } finally {
      session.close();
    }
    writeFileSync(
      join(input, 'subscribers.csv'),
      `msisdn,operator,activated_at,ported_at,kind,primary_msisdn\n${A},cmcc,2020-01-01,,normal,\n`,
    );
    const alone = await runAll(input, undefined, change);
    expect(shared).toEqual(alone);
    expect(shared['2022-09-06/summary.jsonl']!.trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('carries from the file, not from what it kept, when another run wrote the day before since', async () => {
    const input = makeInput([{ msisdn: A }, { msisdn: B }], files());
    cleanup.push(input);
    const day = (data: string, d: string, session?: DaySession) =>
      runDailyDay({ input, data, day: d, operator: 'cmcc', pseudonymKey: KEY, now: NOW, session });
    // B's evening of 2022-09-04 moves to Wuhan after the session ran that day.
    const change = () =>
      appendFileSync(
        join(input, 'signaling', '2022-09-04.csv'),
        `${B},${bj(3, 23.75)},wh-1,,tau\n${B},${bj(3, 23.9)},wh-1,,tau\n`,
      );
    const data = mkdtempSync(join(tmpdir(), 'ic-session-'));
    cleanup.push(data);
    const session = new DaySession();
    try {
      await day(data, '2022-09-03', session);
      await day(data, '2022-09-04', session);
      change();
      await day(data, '2022-09-04'); // another process
      await day(data, '2022-09-05', session);
    } finally {
      session.close();
    }
    const alone = mkdtempSync(join(tmpdir(), 'ic-session-'));
    cleanup.push(alone);
    for (const d of ['2022-09-03', '2022-09-04', '2022-09-05']) await day(alone, d);
    expect(written(data)).toEqual(written(alone));
  }, 60_000);
});
