// A circuit breaker per operator node: after `failures` consecutive failures it
// opens for `openMs` and calls fail at once; then one probe call is let through
// (half-open) and its outcome closes or re-opens it.
export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private consecutive = 0;
  private openedAt = 0;
  private state: BreakerState = 'closed';
  private probing = false;

  constructor(
    private readonly now: () => number,
    private readonly failures: number,
    private readonly openMs: number,
  ) {}

  /** May a call go out now? In half-open state only one probe at a time. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.openMs) return false;
      this.state = 'half-open';
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.probing = false;
    this.state = 'closed';
  }

  failure(): void {
    this.probing = false;
    this.consecutive++;
    if (this.state === 'half-open' || this.consecutive >= this.failures) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  current(): BreakerState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.openMs) return 'half-open';
    return this.state;
  }
}
