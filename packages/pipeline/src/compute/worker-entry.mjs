// Bootstrap for worker threads run from the TypeScript sources (tests, tsx):
// registers the TypeScript loader, resolves our packages to their src/ (the
// `source` export condition), then loads the module named in workerData.entry.
// The compiled dist/ starts its workers on their JavaScript directly.
import module from 'node:module';
import { workerData } from 'node:worker_threads';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Added to what tsx and Node resolve with; in-thread where Node has it (22.15+, as tsx then is too).
const source = (specifier, context, next) =>
  next(specifier, { ...context, conditions: [...context.conditions, 'source'] });
if (typeof module.registerHooks === 'function') module.registerHooks({ resolve: source });
else module.register(`data:text/javascript,export const resolve = ${encodeURIComponent(source.toString())};`);
await import(workerData.entry);
