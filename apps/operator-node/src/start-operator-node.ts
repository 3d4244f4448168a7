// Runs one operator node on its own: builds the service and listens.
import type { Clock } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';
import { buildOperatorNode } from './build-operator-node.ts';
import type { OperatorNodeConfig } from './config.ts';
import { SnapshotHolder } from './snapshot-holder.ts';

export interface RunningOperatorNode {
  app: FastifyInstance;
  holder: SnapshotHolder;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the node's HTTP service. The caller (the daily scheduler, the demo)
 * publishes snapshots into `holder`.
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
  const address = await app.listen({ host: config.host, port: config.port });
  return { app, holder, url: address, close: () => app.close() };
}
