#!/usr/bin/env node
// The `itinerary-card` command from its TypeScript sources, for development and
// tests: registers tsx, and resolves our packages to their src/ (the `source`
// export condition) rather than their compiled dist/.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered last, so it runs first: adds the condition, then tsx and Node resolve.
register(
  `data:text/javascript,${encodeURIComponent(
    "export const resolve = (s, c, next) => next(s, { ...c, conditions: [...c.conditions, 'source'] });",
  )}`,
);
await import('../src/main.ts');
