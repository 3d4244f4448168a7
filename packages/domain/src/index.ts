// The domain package's only door. Pure rules and reference data; no I/O of ours.
export * from './app-error.ts';
export * from './countries.ts';
export * from './error-table.ts';
export * from './itinerary.ts';
export * from './phone.ts';
export * from './region-names-en.ts';
export * from './regions.ts';
export * from './signed-code.ts';
export * from './subscriber-shard.ts';
export * from './time.ts';
