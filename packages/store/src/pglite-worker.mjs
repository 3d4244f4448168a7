// Worker thread that owns an embedded PGlite, so SQL work (WASM) runs off the
// app's event loop. Messages are handled one at a time, in order. Plain JS so
// it loads without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const db = workerData?.dataDir ? await PGlite.create(workerData.dataDir) : await PGlite.create();
let chain = Promise.resolve();

function errorFields(e) {
  const out = { message: e?.message ?? String(e) };
  for (const k of ['code', 'detail', 'constraint', 'table', 'column', 'severity'])
    if (e?.[k] !== undefined) out[k] = e[k];
  return out;
}

parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    try {
      if (m.op === 'query') parentPort.postMessage({ id: m.id, rows: (await db.query(m.text, m.params)).rows });
      else if (m.op === 'exec') {
        await db.exec(m.text);
        parentPort.postMessage({ id: m.id, rows: [] });
      } else if (m.op === 'close') {
        await db.close();
        parentPort.postMessage({ id: m.id, rows: [] });
      }
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: errorFields(e) });
    }
  });
});
parentPort.postMessage({ ready: true });
