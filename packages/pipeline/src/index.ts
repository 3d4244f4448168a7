// The pipeline package's only door: compute, daily runs, snapshots, the naive rule.

export * from './compute/compute.ts';
export * from './compute/naive-rule.ts';
export * from './daily/daily-run.ts';
export * from './daily/daily-schedule.ts';
export { DaySession } from './daily/day-run.ts';
export { lockDir } from './publish/atomic-files.ts';
export * from './publish/snapshot.ts';
export * from './publish/snapshot-store.ts';
export * from './read/input-dir.ts';
export * from './read/pseudonym.ts';
export * from './read/quarantine.ts';
