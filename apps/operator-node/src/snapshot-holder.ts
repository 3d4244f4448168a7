// The node's published snapshots, swapped atomically: readers always see one
// immutable list. The previous day's snapshot is kept so that a query made
// before the day's update time is answered from it.
import type { NodeItinerary, Operator, WindowDays } from '@itinerary-card/domain';

/** What the node needs of a snapshot (the pipeline's `Snapshot` has this shape). */
export interface NodeSnapshot {
  readonly operator: Operator;
  /** Query day D (YYYY-MM-DD). */
  readonly date: string;
  /** Publication time, epoch ms: the "update time". */
  readonly publishedAt: number;
  readonly size?: number;
  lookup(msisdn: string, days: WindowDays): NodeItinerary | undefined;
}

export class SnapshotHolder {
  /** Newest first; replaced as a whole, never mutated. */
  private list: readonly NodeSnapshot[] = [];

  constructor(private readonly keep = 3) {}

  /** Publishes a snapshot; one for the same date replaces the old one. */
  publish(snapshot: NodeSnapshot): void {
    const next = [snapshot, ...this.list.filter((s) => s.date !== snapshot.date)]
      .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
      .slice(0, this.keep);
    this.list = next;
  }

  latest(): NodeSnapshot | undefined {
    return this.list[0];
  }

  /** The newest snapshot whose day is not after `date` (the platform's serving day). */
  forDate(date: string | undefined): NodeSnapshot | undefined {
    const list = this.list;
    if (date === undefined) return list[0];
    for (const s of list) if (s.date <= date) return s;
    return undefined;
  }

  all(): readonly NodeSnapshot[] {
    return this.list;
  }
}
