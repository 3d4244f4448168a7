// Worker thread that owns an embedded PGlite, so SQL work (WASM) runs off the
// app's event loop. Messages are handled one at a time, in order. Plain JS so
// it loads without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';

const db = workerData?.dataDir ? await PGlite.create(workerData.dataDir) : await PGlite.create();
let chain = Promise.resolve();
/** The statements prepared so far, by text: their name and parameter types (OIDs). */
const prepared = new Map();

function errorFields(e) {
  const out = { message: e?.message ?? String(e) };
  for (const k of ['code', 'detail', 'constraint', 'table', 'column', 'severity'])
    if (e?.[k] !== undefined) out[k] = e[k];
  return out;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A named statement: parsed (and its parameter types learned) once, then each
 * run is one call into the database (bind, execute, sync). PGlite's query()
 * parses, describes and plans the statement again on every call, five calls in
 * all: for the audit log's one-row group commits, most of their cost.
 */
async function queryPrepared(text, params = []) {
  const { serialize } = protocol;
  let statement = prepared.get(text);
  if (statement === undefined) {
    const name = `s${prepared.size + 1}`;
    const { messages } = await db.execProtocol(
      concat([serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    );
    statement = { name, types: parse.parseDescribeStatementResults(messages) };
    prepared.set(text, statement);
  }
  const { name, types } = statement;
  const values = params.map((v, i) => {
    if (v === null || v === undefined) return null;
    const serializer = db.serializers[types[i]];
    return serializer ? serializer(v) : v.toString();
  });
  const { messages } = await db.execProtocol(
    concat([
      serialize.bind({ statement: name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]),
  );
  return parse.parseResults(messages, db.parsers)[0]?.rows ?? [];
}

parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    try {
      if (m.op === 'query') {
        const rows = m.prepare ? await queryPrepared(m.text, m.params) : (await db.query(m.text, m.params)).rows;
        parentPort.postMessage({ id: m.id, rows });
      } else if (m.op === 'exec') {
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
