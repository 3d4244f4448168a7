// Bootstrap for worker threads run from the TypeScript sources (tests, tsx):
// registers the TypeScript loader, resolves our packages to their src/ (the
// `source` export condition), then loads the module named in workerData.entry.
// The compiled dist/ starts its workers on their JavaScript directly.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register(
  `data:text/javascript,${encodeURIComponent(
    "export const resolve = (s, c, next) => next(s, { ...c, conditions: [...c.conditions, 'source'] });",
  )}`,
);
await import(workerData.entry);
