// Group work that arrives together: what is queued in one event-loop turn, and
// while earlier groups are in flight, goes to the database as one statement,
// with a few statements in flight at once. The check-in writer (one INSERT per
// group) and the batched lookups (one SELECT per group) both use it, so a busy
// check-in path costs the database a round trip per group, not per request.
// Groups may be spaced (`spacingMs`): below saturation a group would otherwise
// start as soon as a slot frees, with a few items each, and the database's cost
// per statement (and per commit) would be paid every few requests.

export interface BatchQueueOptions<T> {
  /** Runs one group; settles each of its items itself (its own failure included) and never rejects. */
  run(batch: T[]): Promise<void>;
  /** Items per group. */
  maxBatch: number;
  /** Groups in flight at once (≤ the SQL pool size, leaving room for other work). */
  concurrency: number;
  /**
   * Least time (ms) from one group's start to the next one's: what arrives meanwhile
   * waits and joins the next group. 0 or absent: a group starts whenever a slot is free.
   */
  spacingMs?: number;
}

export class BatchQueue<T> {
  private queue: T[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private lastStart = Number.NEGATIVE_INFINITY;
  private spaced: NodeJS.Timeout | undefined;
  private readonly pumpNow = () => {
    this.scheduled = false;
    this.pump();
  };
  private readonly pumpSpaced = () => {
    this.spaced = undefined;
    this.pump();
  };

  constructor(private readonly o: BatchQueueOptions<T>) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    // Let the current turn's requests join the group.
    setImmediate(this.pumpNow);
  }

  private pump(): void {
    const spacing = this.o.spacingMs ?? 0;
    while (this.queue.length > 0 && this.inFlight < this.o.concurrency) {
      if (spacing > 0) {
        if (this.spaced !== undefined) return;
        const now = performance.now();
        const wait = this.lastStart + spacing - now;
        if (wait > 0) {
          this.spaced = setTimeout(this.pumpSpaced, wait);
          return;
        }
        this.lastStart = now;
      }
      const batch = this.queue.length <= this.o.maxBatch ? this.queue : this.queue.slice(0, this.o.maxBatch);
      this.queue = batch === this.queue ? [] : this.queue.slice(this.o.maxBatch);
      this.inFlight++;
      void this.o.run(batch).finally(this.settled);
    }
  }

  private readonly settled = () => {
    this.inFlight--;
    if (this.queue.length > 0) this.pump();
    else if (this.inFlight === 0) for (const f of this.idle.splice(0)) f();
  };

  /** Resolves once every queued item's group has run. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }
}
