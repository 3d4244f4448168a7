// Group reads for hot lookups by key: the keys asked for in one event-loop turn
// (and while earlier groups are in flight) go to the database as one statement
// over an array, as check-ins are group-committed. A busy check-in path then
// costs the database a round trip per group, not per request.
// Each key is read by a statement sent after it was asked for, so a caller sees
// every write it made before asking (nothing is cached between groups).

export interface BatchedLookupOptions<K, R> {
  /** Reads the rows of `keys` (distinct), in any order. */
  load(keys: K[]): Promise<R[]>;
  /** The key a row answers. */
  keyOf(row: R): K;
  /** Keys per statement. */
  maxBatch?: number;
  /** Statements in flight at once (≤ the SQL pool size, leaving room for other work). */
  concurrency?: number;
}

interface Waiter<R> {
  resolve: (row: R | undefined) => void;
  reject: (e: unknown) => void;
}

export class BatchedLookup<K, R> {
  private queue = new Map<K, Waiter<R>[]>();
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(private readonly o: BatchedLookupOptions<K, R>) {
    this.maxBatch = o.maxBatch ?? 500;
    this.concurrency = o.concurrency ?? 2;
  }

  /** The row of `key`, or undefined when there is none. */
  get(key: K): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      if (this.scheduled) return;
      this.scheduled = true;
      // Let the current turn's requests join the group.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.queue.size > 0 && this.inFlight < this.concurrency) {
      const group = new Map<K, Waiter<R>[]>();
      for (const [k, w] of this.queue) {
        group.set(k, w);
        this.queue.delete(k);
        if (group.size === this.maxBatch) break;
      }
      this.inFlight++;
      void this.read(group).finally(() => {
        this.inFlight--;
        if (this.queue.size > 0) this.pump();
      });
    }
  }

  private async read(group: Map<K, Waiter<R>[]>): Promise<void> {
    let rows: R[];
    try {
      rows = await this.o.load([...group.keys()]);
    } catch (e) {
      for (const waiters of group.values()) for (const w of waiters) w.reject(e);
      return;
    }
    for (const row of rows) {
      const k = this.o.keyOf(row);
      const waiters = group.get(k);
      if (!waiters) continue;
      group.delete(k);
      for (const w of waiters) w.resolve(row);
    }
    for (const waiters of group.values()) for (const w of waiters) w.resolve(undefined);
  }
}
