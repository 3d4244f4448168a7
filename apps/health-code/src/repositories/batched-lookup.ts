// Group reads for hot lookups by key (BatchQueue): the keys asked for in one
// event-loop turn (and while earlier groups are in flight) go to the database as
// one statement over an array, as check-ins are group-committed.
// Each key is read by a statement sent after it was asked for, so a caller sees
// every write it made before asking (nothing is cached between groups).
import { BatchQueue } from './batch-queue.ts';

export interface BatchedLookupOptions<K, R> {
  /** Reads the rows of `keys` (distinct), in any order. */
  load(keys: K[]): Promise<R[]>;
  /** The key a row answers. */
  keyOf(row: R): K;
  /** Keys asked for per statement. */
  maxBatch?: number;
  /** Statements in flight at once (≤ the SQL pool size, leaving room for other work). */
  concurrency?: number;
  /** Least ms between two statements' starts (BatchQueue's spacingMs; 0: back to back). */
  spacingMs?: number;
}

interface Waiter<K, R> {
  key: K;
  resolve: (row: R | undefined) => void;
  reject: (e: unknown) => void;
}

export class BatchedLookup<K, R> {
  private readonly queue: BatchQueue<Waiter<K, R>>;

  constructor(private readonly o: BatchedLookupOptions<K, R>) {
    this.queue = new BatchQueue({
      run: (group) => this.read(group),
      maxBatch: o.maxBatch ?? 500,
      concurrency: o.concurrency ?? 2,
      spacingMs: o.spacingMs,
    });
  }

  /** The row of `key`, or undefined when there is none. */
  get(key: K): Promise<R | undefined> {
    return new Promise((resolve, reject) => this.queue.push({ key, resolve, reject }));
  }

  private async read(group: Waiter<K, R>[]): Promise<void> {
    // The same key asked for twice in a group is read once.
    const byKey = new Map<K, Waiter<K, R>[]>();
    for (const w of group) {
      const same = byKey.get(w.key);
      if (same) same.push(w);
      else byKey.set(w.key, [w]);
    }
    let rows: R[];
    try {
      rows = await this.o.load([...byKey.keys()]);
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    for (const row of rows) {
      const k = this.o.keyOf(row);
      const waiters = byKey.get(k);
      if (!waiters) continue;
      byKey.delete(k);
      for (const w of waiters) w.resolve(row);
    }
    for (const waiters of byKey.values()) for (const w of waiters) w.resolve(undefined);
  }
}
