// The pipeline package's only door: compute, daily runs, snapshots, the naive rule.
export { lockDir } from './atomic-files.ts';
export * from './compute.ts';
export * from './daily-run.ts';
export * from './daily-schedule.ts';
export * from './input-dir.ts';
export * from './naive-rule.ts';
export * from './pseudonym.ts';
export * from './quarantine.ts';
export * from './snapshot.ts';
export * from './snapshot-store.ts';
