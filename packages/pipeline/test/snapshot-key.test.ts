// Issue 22 item 13: each snapshot carries a fingerprint of the pseudonym key it
// was made with (never the key), and a store opened with another key refuses it
// with SNAPSHOT_KEY_MISMATCH instead of serving every number as NO_DATA.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishSnapshot, runDailyDay, snapshotDir } from '../src/daily/daily-run.ts';
import { openSnapshotStore } from '../src/publish/snapshot-store.ts';
import { keyFingerprint } from '../src/read/pseudonym.ts';
import { every, makeInput } from './fixture-input.ts';

const KEY = 'right-pseudonym-key-0123456789';
const OTHER = 'other-pseudonym-key-0123456789';
const A = '13800000001';
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('the pseudonym key fingerprint of a snapshot', () => {
  it('is stored with the snapshot, and a store with another key refuses it', async () => {
    const input = makeInput([{ msisdn: A }], { 'all.csv': every(A, 0, 0, 23.5, 'nc-1', 0.5) });
    const data = mkdtempSync(join(tmpdir(), 'ic-key-'));
    cleanup.push(input, data);
    const now = Date.parse('2022-09-02T09:00:00+08:00');
    await runDailyDay({ input, data, day: '2022-09-01', operator: 'cmcc', pseudonymKey: KEY, now });
    publishSnapshot(data, '2022-09-02', now);
    const meta = readFileSync(join(snapshotDir(data, '2022-09-02'), 'meta.json'), 'utf8');
    expect(JSON.parse(meta).keyFingerprint).toBe(keyFingerprint(KEY));
    expect(meta).not.toContain(KEY);
    expect(keyFingerprint(KEY)).not.toBe(keyFingerprint(OTHER));

    const right = openSnapshotStore(data, { pseudonymKey: KEY }).loadPublished();
    expect(right?.lookup(A, 7)?.status).toBe('ok');
    expect(() => openSnapshotStore(data, { pseudonymKey: OTHER }).loadPublished()).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_KEY_MISMATCH' }),
    );
  });
});
