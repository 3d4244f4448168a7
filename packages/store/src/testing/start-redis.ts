// Starts a throw-away redis-server for tests on a free 127.0.0.1 port, without
// persistence.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort } from './free-port.ts';
import { scratchDir } from './scratch-dir.ts';
import { killAndWait, type TestServer } from './start-postgres.ts';

export async function startRedis(): Promise<TestServer> {
  const dir = scratchDir('itc-redis-');
  const port = await freePort();
  let child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const started = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 15_000);
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run redis-server: ${e.message}`));
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${c}: ${out}`));
      });
    });
  const stop = async () => {
    await killAndWait(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await started();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    // Without persistence, a restarted Redis is empty (sessions and codes are gone), as in production without AOF.
    down: () => killAndWait(child, 'SIGTERM'),
    up: async () => {
      out = '';
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      await started();
    },
  };
}
