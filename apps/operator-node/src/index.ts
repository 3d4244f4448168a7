// The operator node's only door.
export { buildOperatorNode, type OperatorNodeDeps } from './build-operator-node.ts';
export { OPERATOR_NODE_ENV, type OperatorNodeConfig, readOperatorNodeConfig, type TlsConfig } from './config.ts';
export { type MemoryEntry, MemorySnapshot } from './memory-snapshot.ts';
export { type NodeSnapshot, SnapshotHolder } from './snapshot-holder.ts';
export { type RunningOperatorNode, startOperatorNode } from './start-operator-node.ts';
