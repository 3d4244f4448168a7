// The CLI's only door for code (the command itself is `bin/itinerary-card.js`):
// the demo's parts that `bench/demo.bench.ts` times without the command line, and
// the process family (from /proc) whose CPU the benches count.
export { DEMO_PORTS, type DemoOptions, type RunningDemo, startDemo } from './demo/demo.ts';
export { operatorsOf, splitSignaling } from './demo/split.ts';
export { DEMO_DAYS, type DemoWorld } from './demo/world.ts';
export { processFamily } from './topology/port-owner.ts';
