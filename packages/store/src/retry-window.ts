// How long a store's callers wait for it to come back before an outage is
// theirs to answer: a restart of PostgreSQL or Redis (a second or two) is
// ridden through, a long outage still answers fast. The window opens at the
// first failure of an outage and is shared by every caller: requests that meet
// the outage later get only what is left of it, and once it is over they fail
// at once until a command succeeds again.

export const DEFAULT_STORAGE_RETRY_MS = 3000;

/** Pauses between attempts: short at first (a reconnect is often at hand), then at most MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 25;
const MAX_PAUSE_MS = 200;

export class RetryWindow {
  /** When the current outage was first met (epoch ms); undefined while the store answers. */
  private downSince: number | undefined;

  constructor(
    /** The window's length; 0: no retries. */
    readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A command succeeded: the store is up, the next outage gets a window of its own. */
  up(): void {
    this.downSince = undefined;
  }

  /** True while an outage is under way (a failure with no success since). */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** Milliseconds left of the current outage's window (opening it when this is its first failure). */
  left(): number {
    if (this.ms <= 0) return 0;
    const t = this.now();
    this.downSince ??= t;
    return Math.max(0, this.downSince + this.ms - t);
  }

  /**
   * After an outage error: waits before attempt `attempt + 1`, true; false when
   * the window is over (the caller then answers the outage). `ready`, when given,
   * ends the pause early once it says the store can be tried again.
   */
  async pause(attempt: number, ready?: () => boolean): Promise<boolean> {
    const left = this.left();
    if (left <= 0) return false;
    const wait = Math.min(left, FIRST_PAUSE_MS * 2 ** Math.min(attempt, 8), MAX_PAUSE_MS);
    if (!ready) {
      await sleep(wait);
      return true;
    }
    const end = this.now() + Math.min(left, MAX_PAUSE_MS * 5);
    do await sleep(FIRST_PAUSE_MS);
    while (!ready() && this.now() < end);
    return true;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
