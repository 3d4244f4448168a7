// Joins the parts of a concatenated inbound SMS (UDH) back into one text;
// incomplete messages are dropped after a while so memory stays bounded.
import type { Clock } from '@itinerary-card/domain';
import type { ConcatInfo } from './sms-encoding.ts';

interface Pending {
  parts: (string | undefined)[];
  received: number;
  firstAt: number;
}

export class ConcatReassembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 120_000,
    private readonly maxPending = 1000,
  ) {}

  /** Adds one part; returns the whole text once every part has arrived. */
  add(from: string, to: string, concat: ConcatInfo, text: string): string | undefined {
    if (concat.total <= 1) return text;
    if (concat.seq < 1 || concat.seq > concat.total) return undefined;
    this.expire();
    const key = `${from}|${to}|${concat.ref}|${concat.total}`;
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
      }
      p = { parts: new Array(concat.total), received: 0, firstAt: this.clock.now() };
      this.pending.set(key, p);
    }
    if (p.parts[concat.seq - 1] === undefined) {
      p.parts[concat.seq - 1] = text;
      p.received += 1;
    }
    if (p.received < concat.total) return undefined;
    this.pending.delete(key);
    return p.parts.join('');
  }

  get size(): number {
    return this.pending.size;
  }

  private expire(): void {
    const cutoff = this.clock.now() - this.ttlMs;
    for (const [k, p] of this.pending) {
      if (p.firstAt >= cutoff) break; // insertion order = age order
      this.pending.delete(k);
    }
  }
}
