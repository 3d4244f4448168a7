// Free TCP ports on 127.0.0.1, for servers started by tests: one, or a run of them.
//
// A port found free is released before its server binds it, so another process
// may take it meanwhile. The kernel hands out its ephemeral ports (bind to 0) at
// random, and the test files running side by side (one per Vitest worker) all
// ask it, so two of them now and then got the same port: a test's server then
// answered another test's requests. In a Vitest worker the ports come instead
// from a block of 20000-31999 that worker alone uses (VITEST_POOL_ID), taken in
// turn from a random place in it and skipped while bound; elsewhere (a bench,
// `npm run topology`) at random from the whole of 20000-31999. Both stay away
// from the kernel's ephemeral range (32768 and up), where the servers that listen
// on port 0 and the outgoing connections get theirs.
import { createServer } from 'node:net';

const FIRST = 20_000;
const SIZE = 12_000;
/** Vitest workers with a block of their own; more share blocks (still skipping bound ports). */
const BLOCKS = 8;

/** This process's ports: a Vitest worker's block, or the whole range. */
function range(): { first: number; size: number } {
  const pool = Number(process.env.VITEST_POOL_ID);
  if (!Number.isInteger(pool) || pool < 1) return { first: FIRST, size: SIZE };
  const size = SIZE / BLOCKS;
  return { first: FIRST + ((pool - 1) % BLOCKS) * size, size };
}

/** Where the next search starts, as an offset into range(); random at first. */
let cursor = -1;

/** Whether `port` on 127.0.0.1 can be listened on now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => ok(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => ok(true)));
  });
}

/**
 * A port p with p … p + count - 1 all free on 127.0.0.1 (count 1: one port),
 * for a server that takes consecutive ports from one (the demo: platform,
 * health code, three operator nodes).
 */
export async function freePortRun(count: number): Promise<number> {
  const { first, size } = range();
  const span = size - count + 1;
  if (span < 1) throw new RangeError(`no run of ${count} ports fits in ${size}`);
  if (cursor < 0) cursor = Math.floor(Math.random() * span);
  for (let tried = 0; tried < span; tried++) {
    const port = first + (cursor % span);
    cursor = (cursor % span) + 1;
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await isFree(port + i);
    if (ok) {
      // The next search starts past this run, so a run is not handed out twice in a row.
      cursor = port - first + count;
      return port;
    }
  }
  throw new Error(`no ${count} free consecutive ports in ${first}-${first + size - 1}`);
}

export function freePort(): Promise<number> {
  return freePortRun(1);
}
