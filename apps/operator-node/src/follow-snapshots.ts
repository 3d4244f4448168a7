// Keeps the node's holder in step with the pipeline's published snapshots:
// loads what is published now, then publishes each new day as it appears.
import type { NodeSnapshot, SnapshotHolder } from './snapshot-holder.ts';

/** The part of the pipeline's SnapshotStore the node uses. */
export interface PublishedSnapshots {
  loadPublished(): NodeSnapshot | undefined;
  watch(onChange: (s: NodeSnapshot) => void, intervalMs?: number, onError?: (e: unknown) => void): () => void;
}

/**
 * Returns a function that stops following. What is published at the start must
 * load (a snapshot made with another key throws SNAPSHOT_KEY_MISMATCH); a later
 * publication that does not goes to `onError` and the day served stays.
 */
export function followSnapshots(
  store: PublishedSnapshots,
  holder: SnapshotHolder,
  intervalMs?: number,
  onError?: (e: unknown) => void,
): () => void {
  const first = store.loadPublished();
  if (first) holder.publish(first);
  return store.watch((s) => holder.publish(s), intervalMs, onError);
}
