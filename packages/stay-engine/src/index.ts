// The stay engine package: the cell model and the per-subscriber stay detector.
export * from './cell-model.ts';
export * from './stay-engine.ts';
