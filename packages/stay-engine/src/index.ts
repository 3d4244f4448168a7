// The stay engine package: the cell model and the per-subscriber stay detector.
export * from './cell-model.ts';
export * from './native-shard.ts';
export * from './stay-engine.ts';
