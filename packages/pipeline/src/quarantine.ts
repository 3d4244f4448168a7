// Rejected input: counted by reason, with a bounded sample of each reason kept
// for inspection and written out as the quarantine file (JSON Lines).
import { writeFile } from 'node:fs/promises';

export const REJECT_REASONS = [
  'malformed_line',
  'bad_msisdn',
  'bad_timestamp',
  'impossible_timestamp',
  'unknown_subscriber',
  'unknown_cell',
  'no_location',
  'unknown_plmn',
  'duplicate',
  'unreadable_file',
  'bad_cell_row',
  'bad_subscriber_row',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface RejectSample {
  reason: RejectReason;
  file?: string;
  line?: number;
  text: string;
}

export class Quarantine {
  readonly counts = new Map<RejectReason, number>();
  readonly samples: RejectSample[] = [];
  private readonly perReason = new Map<RejectReason, number>();

  constructor(private readonly samplesPerReason = 20) {}

  add(reason: RejectReason, sample?: Omit<RejectSample, 'reason'>, count = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + count);
    if (!sample) return;
    const kept = this.perReason.get(reason) ?? 0;
    if (kept >= this.samplesPerReason) return;
    this.perReason.set(reason, kept + 1);
    this.samples.push({ reason, ...sample, text: sample.text.slice(0, 500) });
  }

  /** Whether another sample of this reason would still be kept (to skip building its text). */
  wantsSample(reason: RejectReason): boolean {
    return (this.perReason.get(reason) ?? 0) < this.samplesPerReason;
  }

  merge(other: Quarantine): void {
    for (const [r, n] of other.counts) this.counts.set(r, (this.counts.get(r) ?? 0) + n);
    for (const s of other.samples) if (this.wantsSample(s.reason)) this.add(s.reason, s, 0);
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort((a, b) => a[0].localeCompare(b[0])));
  }

  async write(path: string): Promise<void> {
    const lines = this.samples.map((s) => JSON.stringify(s));
    await writeFile(path, lines.length ? `${lines.join('\n')}\n` : '');
  }
}
