// Starts a redis-server for tests and the loopback topology on a free
// 127.0.0.1 port: without persistence by default, with an append-only file on
// request.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { freePort } from './free-port.ts';
import { scratchDir } from './scratch-dir.ts';
import { killAndWait, type TestServer } from './start-postgres.ts';

export interface StartRedisOptions {
  /**
   * The server's directory (created if missing) instead of a new scratch one;
   * `stop` then leaves it in place, the caller's to keep or remove.
   */
  dir?: string;
  /**
   * An append-only file (fsynced once a second, all of it on the shutdown
   * `down` asks for), as a production Redis holding sessions keeps: a restart
   * loses nothing. Without it (the default), a restarted Redis is empty.
   */
  appendOnly?: boolean;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<TestServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? scratchDir('itc-redis-');
  if (!ownDir) mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    ...['--appendonly', options.appendOnly ? 'yes' : 'no'],
  ];
  let out = '';
  const run = () => {
    out = '';
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 15_000);
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run redis-server: ${e.message}`));
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
    return { child: c, started };
  };
  let { child, started } = run();
  const stop = async () => {
    await killAndWait(child, 'SIGTERM');
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await started;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    // SIGTERM: Redis's SHUTDOWN, which writes the append-only file out when there is one.
    down: () => killAndWait(child, 'SIGTERM'),
    up: async () => {
      ({ child, started } = run());
      await started;
    },
    pid: () => child.pid,
  };
}
