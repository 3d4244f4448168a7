// A day's summary lists its subscribers' lines in the order of their text (the
// pseudonyms' order), one line each, whatever the order of the subscribers in the
// registry: the lines are taken by pseudonym (daily-run.ts), not sorted, alone and in a session.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDailyDay } from '../src/daily/daily-run.ts';
import { DaySession } from '../src/daily/day-run.ts';
import { pseudonymizer } from '../src/read/pseudonym.ts';
import { every, makeInput, type Row } from './fixture-input.ts';

const KEY = 'test-pseudonym-key-0123456789';
const NOW = Date.parse('2022-09-10T09:00:00+08:00');
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('a day’s summary', () => {
  it('has one line a subscriber with records, in the order of the lines’ text', async () => {
    const numbers = Array.from({ length: 40 }, (_, i) => `138${String(i * 7919).padStart(8, '0')}`);
    // Every third subscriber has no record that day.
    const rows: Row[] = numbers.filter((_, i) => i % 3 !== 0).flatMap((m, i) => every(m, 3, i % 5, 12, 'nc-1', 1));
    const input = makeInput(
      numbers.map((msisdn) => ({ msisdn })),
      { '2022-09-04.csv': rows },
    );
    cleanup.push(input);
    const summaryOf = async (session?: DaySession) => {
      const data = mkdtempSync(join(tmpdir(), 'ic-summary-order-'));
      cleanup.push(data);
      for (const day of ['2022-09-04', '2022-09-05'])
        await runDailyDay({
          input,
          data,
          day,
          operator: 'cmcc',
          pseudonymKey: KEY,
          now: NOW,
          session,
          snapshot: false,
        });
      return readFileSync(join(data, 'days', '2022-09-04', 'summary.jsonl'), 'utf8')
        .trim()
        .split('\n');
    };
    const alone = await summaryOf();
    expect(alone).toEqual([...alone].sort());
    const keyOf = pseudonymizer(KEY);
    const expected = numbers.filter((_, i) => i % 3 !== 0).map(keyOf);
    expect(alone.map((l) => (JSON.parse(l) as { p: string }).p).sort()).toEqual(expected.sort());
    const session = new DaySession();
    expect(await summaryOf(session).finally(() => session.close())).toEqual(alone);
  }, 30_000);
});
