// Keeps the node's holder in step with the pipeline's published snapshots:
// loads what is published now, then publishes each new day as it appears.
import type { NodeSnapshot, SnapshotHolder } from './snapshot-holder.ts';

/** The part of the pipeline's SnapshotStore the node uses. */
export interface PublishedSnapshots {
  loadPublished(): NodeSnapshot | undefined;
  watch(onChange: (s: NodeSnapshot) => void, intervalMs?: number): () => void;
}

/** Returns a function that stops following. */
export function followSnapshots(store: PublishedSnapshots, holder: SnapshotHolder, intervalMs?: number): () => void {
  const first = store.loadPublished();
  if (first) holder.publish(first);
  return store.watch((s) => holder.publish(s), intervalMs);
}
