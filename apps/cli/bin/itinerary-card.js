#!/usr/bin/env node
// Entry point of the `itinerary-card` command: the compiled CLI (`npm run build`,
// which `npm install` runs). Development and tests run the sources with
// bin/itinerary-card-dev.js instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('itinerary-card: apps/cli/dist is missing: run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
