// Loads the published snapshot of an operator node's data directory into an
// in-memory index, and notices when a new one is published.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, type ItineraryStatus, type Operator, type SubscriberKind } from '@itinerary-card/domain';
import { readPublished, snapshotDir } from '../daily/daily-run.ts';
import { keyFingerprint, pseudonymizer } from '../read/pseudonym.ts';
import { Snapshot, type SnapshotEntry } from './snapshot.ts';

interface StoredEntry {
  p: string;
  k: SubscriberKind;
  pa?: string;
  s7: ItineraryStatus;
  c7: string[];
  n7: string[];
  s14: ItineraryStatus;
  c14: string[];
  n14: string[];
}

export interface SnapshotStore {
  /** The published snapshot, or undefined when nothing has been published yet. */
  loadPublished(): Snapshot | undefined;
  /**
   * Calls `onChange` with each newly published snapshot (polling); returns a
   * stop function. One that cannot be loaded (made with another key) goes to
   * `onError` and the previous one stays served.
   */
  watch(onChange: (s: Snapshot) => void, intervalMs?: number, onError?: (e: unknown) => void): () => void;
}

export function loadSnapshot(
  data: string,
  date: string,
  publishedAt: number,
  operator: Operator,
  key: string,
): Snapshot {
  const dir = snapshotDir(data, date);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    operator: Operator;
    keyFingerprint?: string;
  };
  // Snapshots made before fingerprints were stored have none and are taken as they are.
  if (meta.keyFingerprint !== undefined && meta.keyFingerprint !== keyFingerprint(key))
    throw new AppError(
      'SNAPSHOT_KEY_MISMATCH',
      { variable: 'NODE_PSEUDONYM_KEY', date },
      { cause: new Error(`NODE_PSEUDONYM_KEY: the snapshot of ${date} in ${data} was made with another key`) },
    );
  const entries = new Map<string, SnapshotEntry>();
  for (const line of readFileSync(join(dir, 'snapshot.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as StoredEntry;
    const entry: SnapshotEntry = {
      kind: e.k,
      w7: { status: e.s7, cities: e.c7, countries: e.n7 },
      w14: { status: e.s14, cities: e.c14, countries: e.n14 },
    };
    if (e.pa) entry.portedAt = e.pa;
    entries.set(e.p, entry);
  }
  return new Snapshot({ operator: meta.operator ?? operator, date, publishedAt }, entries, pseudonymizer(key));
}

export function openSnapshotStore(data: string, opts: { pseudonymKey: string; operator?: Operator }): SnapshotStore {
  const load = () => {
    const pub = readPublished(data);
    if (!pub || !existsSync(join(snapshotDir(data, pub.date), 'snapshot.jsonl'))) return undefined;
    return loadSnapshot(data, pub.date, pub.publishedAt, opts.operator ?? 'cmcc', opts.pseudonymKey);
  };
  return {
    loadPublished: load,
    watch(onChange, intervalMs = 2000, onError) {
      let last = JSON.stringify(readPublished(data) ?? null);
      const timer = setInterval(() => {
        try {
          const now = JSON.stringify(readPublished(data) ?? null);
          if (now === last) return;
          last = now;
          const s = load();
          if (s) onChange(s);
        } catch (e) {
          onError?.(e);
        }
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
