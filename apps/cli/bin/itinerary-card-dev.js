#!/usr/bin/env node
// The `itinerary-card` command from its TypeScript sources, for development and
// tests: registers tsx, and resolves our packages to their src/ (the `source`
// export condition) rather than their compiled dist/.
import module from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Added to what tsx and Node resolve with; in-thread where Node has it (22.15+, as tsx then is too).
const source = (specifier, context, next) =>
  next(specifier, { ...context, conditions: [...context.conditions, 'source'] });
if (typeof module.registerHooks === 'function') module.registerHooks({ resolve: source });
else module.register(`data:text/javascript,export const resolve = ${encodeURIComponent(source.toString())};`);
await import('../src/main.ts');
