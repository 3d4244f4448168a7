// Bounded in-memory logs (the development outbox, delivery receipts) keep their
// newest entries and drop the oldest in batches.

/**
 * The size at which a log bounded to `limit` entries is cut back to `limit`.
 * Cutting one entry per addition costs the whole log each time for an array
 * (shift) and a walk past every deleted slot for a Map; an eighth (at least 64)
 * at a time makes it a small constant.
 */
export function trimAt(limit: number): number {
  return limit + Math.max(64, limit >> 3);
}
