// SERVE_DRAIN_MS: on SIGTERM a replica stops accepting connections at once
// (the load balancer's checks fail and it goes out of rotation; what it refuses
// the balancer retries elsewhere) but stays up for the drain period, finishing
// what it has, then closes and exits 0.
import http from 'node:http';
import { freePort } from '@itinerary-card/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { killCliProcesses, spawnCli } from './cli-process.ts';

afterEach(killCliProcesses);

const PLATFORM_ENV = {
  PLATFORM_SECRET_KEY: 'k'.repeat(20),
  PLATFORM_SERVICE_SECRET: 's'.repeat(20),
  PLATFORM_NODE_CMCC: 'http://127.0.0.1:9',
};

/** `itinerary-card serve platform` with a configuration that needs no store. */
const run = (env: Record<string, string>) => spawnCli(['serve', 'platform'], { ...PLATFORM_ENV, ...env });

/** GET over a given agent: the status, or the error code when no answer came. */
function get(port: number, path: string, agent: http.Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('serve platform with SERVE_DRAIN_MS', () => {
  it('refuses new connections at once on SIGTERM, stays up while draining, then exits 0', async () => {
    const port = await freePort();
    const r = run({ PLATFORM_PORT: String(port), SERVE_DRAIN_MS: '5000' });
    const deadline = Date.now() + 150_000;
    while (!r.out.stdout.includes('Server listening')) {
      if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`did not start: ${r.out.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const kept = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(port, '/healthz', kept)).toBe(200);
    r.child.kill('SIGTERM');
    // Wait for the signal to be taken: a fresh connection is refused while the process is still running.
    // One that reached the listening socket's queue as it closed is reset (ECONNRESET): try again.
    let fresh: number | string = 200;
    for (const until = Date.now() + 30_000; (fresh === 200 || fresh === 'ECONNRESET') && Date.now() < until; ) {
      fresh = await get(port, '/healthz', new http.Agent({ keepAlive: false }));
      if (fresh !== 'ECONNREFUSED') await new Promise((res) => setTimeout(res, 20));
    }
    expect(fresh).toBe('ECONNREFUSED');
    // Still up a second later, inside its 5 s of draining (without a drain it is gone in a few ms).
    await new Promise((res) => setTimeout(res, 1000));
    expect(r.child.exitCode).toBeNull();
    kept.destroy();
    expect(await r.exited).toBe(0);
    expect(r.out.stdout).toContain('shutting down');
  }, 180_000);

  it('names SERVE_DRAIN_MS when it is not 0-5000', async () => {
    const r = run({ PLATFORM_PORT: String(await freePort()), SERVE_DRAIN_MS: '9000' });
    expect(await r.exited).toBe(2);
    expect(r.out.stderr).toContain('SERVE_DRAIN_MS');
  });
});
