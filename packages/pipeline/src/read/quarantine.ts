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

/** Sample order: by file and line where known, then by text. */
function compareSamples(a: RejectSample, b: RejectSample): number {
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.line ?? 0;
  const lb = b.line ?? 0;
  if (la !== lb) return la - lb;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/**
 * The samples kept are the first of each reason in sample order, not the first
 * met: a parallel scan meets records in a different order on every run, and
 * re-running a day must give the same quarantine file.
 */
export class Quarantine {
  readonly counts = new Map<RejectReason, number>();
  private readonly kept = new Map<RejectReason, RejectSample[]>();

  /** Samples kept per reason. */
  constructor(readonly samplesPerReason = 20) {}

  add(reason: RejectReason, sample?: Omit<RejectSample, 'reason'>, count = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + count);
    if (!sample || this.samplesPerReason <= 0) return;
    const s: RejectSample = { reason, ...sample, text: sample.text.slice(0, 500) };
    let list = this.kept.get(reason);
    if (list === undefined) {
      list = [];
      this.kept.set(reason, list);
    }
    if (list.length >= this.samplesPerReason && compareSamples(s, list[list.length - 1]!) >= 0) return;
    let i = list.length;
    while (i > 0 && compareSamples(s, list[i - 1]!) < 0) i--;
    list.splice(i, 0, s);
    if (list.length > this.samplesPerReason) list.pop();
  }

  /** The samples kept, by reason (in REJECT_REASONS order), each reason's in sample order. */
  get samples(): RejectSample[] {
    const out: RejectSample[] = [];
    for (const reason of REJECT_REASONS) out.push(...(this.kept.get(reason) ?? []));
    return out;
  }

  merge(other: Quarantine): void {
    for (const [r, n] of other.counts) this.counts.set(r, (this.counts.get(r) ?? 0) + n);
    for (const s of other.samples) this.add(s.reason, s, 0);
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
