// Runs one operator node on its own: builds the service and listens.
import type { Clock } from '@itinerary-card/domain';
import { openSnapshotStore } from '@itinerary-card/pipeline';
import type { FastifyInstance } from 'fastify';
import { buildOperatorNode } from './build-operator-node.ts';
import type { OperatorNodeConfig } from './config.ts';
import { followSnapshots } from './follow-snapshots.ts';
import { SnapshotHolder } from './snapshot-holder.ts';

export interface RunningOperatorNode {
  app: FastifyInstance;
  holder: SnapshotHolder;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the node's HTTP service. With a data directory and pseudonym key it
 * follows the pipeline's published snapshots there; the caller (the daily
 * scheduler, the demo) may also publish into `holder` directly.
 */
export async function startOperatorNode(
  config: OperatorNodeConfig,
  options: { holder?: SnapshotHolder; clock?: Clock; logger?: boolean } = {},
): Promise<RunningOperatorNode> {
  const holder = options.holder ?? new SnapshotHolder();
  const app = await buildOperatorNode({
    nodeId: config.nodeId,
    serviceSecret: config.serviceSecret,
    holder,
    clock: options.clock,
    logger: options.logger ?? true,
    tls: config.tls,
  });
  let unfollow = () => {};
  if (config.dataDir) {
    const store = openSnapshotStore(config.dataDir, { pseudonymKey: config.pseudonymKey, operator: config.operator });
    try {
      unfollow = followSnapshots(store, holder, undefined, (err) =>
        app.log.error(
          { err, code: (err as { code?: string }).code },
          'published snapshot refused; the previous one stays',
        ),
      );
    } catch (e) {
      await app.close();
      throw e;
    }
  }
  const address = await app.listen({ host: config.host, port: config.port });
  return {
    app,
    holder,
    url: address,
    close: async () => {
      unfollow();
      await app.close();
    },
  };
}
