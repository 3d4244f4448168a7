// Free TCP ports on 127.0.0.1, for servers started by tests: one, or a run of them.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

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
 * A port p with p … p + count - 1 all free on 127.0.0.1, for a server that
 * takes consecutive ports from one (the demo: platform, health code, three
 * operator nodes). Tried at random in 20000-31999, away from the kernel's
 * ephemeral range, where freePort's ports come from.
 */
export async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await isFree(port + i);
    if (ok) return port;
  }
}
