// Issue 22 item 13: a node needs its pseudonym key, and refuses a snapshot made
// with another one (at start, and when a new day is published) rather than
// answering every number NO_DATA.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFingerprint, pseudonymizer, snapshotDir } from '@itinerary-card/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { readOperatorNodeConfig } from './config.ts';
import { startOperatorNode } from './start-operator-node.ts';

const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** A published one-subscriber snapshot of `date` made with `key`, as the pipeline writes it. */
function publish(data: string, date: string, key: string): void {
  const dir = snapshotDir(data, date);
  mkdirSync(dir, { recursive: true });
  const p = pseudonymizer(key)('13800000001');
  const entry = { p, k: 'normal', s7: 'ok', c7: ['360100'], n7: [], s14: 'ok', c14: ['360100'], n14: [] };
  writeFileSync(join(dir, 'snapshot.jsonl'), `${JSON.stringify(entry)}\n`);
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({ operator: 'cmcc', date, subscribers: 1, keyFingerprint: keyFingerprint(key) }),
  );
  writeFileSync(
    join(data, 'published.json'),
    JSON.stringify({ date, publishedAt: Date.parse(`${date}T08:00:00+08:00`) }),
  );
}

const ENV = { NODE_OPERATOR: 'cmcc', NODE_SERVICE_SECRET: 'service-secret-0123456789', NODE_PORT: '0' };

describe('the operator node and its pseudonym key', () => {
  it('will not start without NODE_PSEUDONYM_KEY', () => {
    expect(() => readOperatorNodeConfig(ENV)).toThrow(
      expect.objectContaining({ details: { variable: 'NODE_PSEUDONYM_KEY' } }),
    );
    expect(() => readOperatorNodeConfig({ ...ENV, NODE_PSEUDONYM_KEY: 'short' })).toThrow(
      expect.objectContaining({ details: { variable: 'NODE_PSEUDONYM_KEY' } }),
    );
  });

  it('refuses a published snapshot made with another key, at start and when a new day is published', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ic-node-key-'));
    cleanup.push(data);
    publish(data, '2022-09-08', 'the-pipeline-key-0123456789');
    const wrong = readOperatorNodeConfig({ ...ENV, NODE_DATA_DIR: data, NODE_PSEUDONYM_KEY: 'another-key-0123456789' });
    await expect(startOperatorNode(wrong, { logger: false })).rejects.toMatchObject({
      code: 'SNAPSHOT_KEY_MISMATCH',
      details: { variable: 'NODE_PSEUDONYM_KEY' },
    });

    const right = readOperatorNodeConfig({
      ...ENV,
      NODE_DATA_DIR: data,
      NODE_PSEUDONYM_KEY: 'the-pipeline-key-0123456789',
    });
    const node = await startOperatorNode(right, { logger: false });
    try {
      expect(node.holder.latest()?.date).toBe('2022-09-08');
      expect(node.holder.latest()?.lookup('13800000001', 7)?.status).toBe('ok');
      // The next day comes with another key: refused, and the day served stays.
      publish(data, '2022-09-09', 'another-key-0123456789');
      await new Promise((r) => setTimeout(r, 2500));
      expect(node.holder.latest()?.date).toBe('2022-09-08');
    } finally {
      await node.close();
    }
  });
});
