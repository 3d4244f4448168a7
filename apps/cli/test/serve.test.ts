// `itinerary-card serve`: production processes configured by environment
// variables. A bad value stops start-up naming the variable; a good
// configuration serves /healthz, /readyz and /metrics, logs JSON lines, and
// SIGTERM shuts it down cleanly (exit 0).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@itinerary-card/store';
import { afterEach, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'itinerary-card.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out, exited };
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const PLATFORM_ENV = {
  PLATFORM_SECRET_KEY: 'platform-secret-key-0123456789',
  PLATFORM_SERVICE_SECRET: 'service-secret-0123456789',
  PLATFORM_NODE_CMCC: 'http://127.0.0.1:9',
};

const HC_ENV = {
  HC_KEY_SECRET: 'hc-key-secret-0123456789',
  HC_ADMIN_TOKEN: 'hc-admin-token-0123456789',
  HC_PUBLIC_URL: 'http://127.0.0.1:3001',
  HC_ITINERARY_CARD_URL: 'http://127.0.0.1:3000/',
  HC_PARTNER_URL: 'http://127.0.0.1:3000',
  HC_PARTNER_CLIENT_ID: 'changtong-health',
  HC_PARTNER_CLIENT_SECRET: 'secret',
  HC_DEV_OUTBOX: '1',
};

describe('itinerary-card serve', () => {
  it.each([
    ['platform', { ...PLATFORM_ENV, PLATFORM_SECRET_KEY: 'short' }, 'PLATFORM_SECRET_KEY'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_NODE_CMCC: 'ftp://x' }, 'PLATFORM_NODE_CMCC'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_PORT: 'eighty' }, 'PLATFORM_PORT'],
    ['platform', { ...PLATFORM_ENV, DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
    ['platform', { ...PLATFORM_ENV, REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_SMS: 'smpp' }, 'SMPP_HOST'],
    [
      'platform',
      { ...PLATFORM_ENV, PLATFORM_SMS: 'smpp', SMPP_HOST: '127.0.0.1', SMPP_SYSTEM_ID: 'itc', SMPP_PORT: 'x' },
      'SMPP_PORT',
    ],
    ['health-code', { ...HC_ENV, HC_DATABASE_URL: 'postgres//db' }, 'HC_DATABASE_URL'],
    ['health-code', { ...HC_ENV, HC_DEV_OUTBOX: '0' }, 'SMPP_HOST'],
    ['node', { NODE_OPERATOR: 'xyz', NODE_SERVICE_SECRET: 'service-secret-0123456789' }, 'NODE_OPERATOR'],
    ['health-code', { HC_PORT: '3001' }, 'HC_KEY_SECRET'],
  ])('serve %s stops on a bad value and names the variable', async (what, env, variable) => {
    const r = run(['serve', what], env);
    expect(await r.exited).toBe(2);
    expect(r.out.stderr).toContain('configuration error');
    expect(r.out.stderr).toContain(variable);
  });

  it('serve platform answers /healthz, /readyz and /metrics, logs JSON, and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const r = run(['serve', 'platform'], { ...PLATFORM_ENV, PLATFORM_PORT: String(port) });
    await until(() => r.out.stdout.includes('Server listening'), 'the platform to listen');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Readiness: SQL answers; the one node (nothing listens on port 9) has not failed yet, so its circuit is closed.
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.sql).toBe('ok');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/healthz",method="GET",status="200",app="platform"\} 1/);
    expect(metrics).toContain('process_cpu_seconds_total');
    for (const line of r.out.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out.stdout).toContain('shutting down');
  });

  it('serve health-code answers /readyz and /metrics and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const r = run(['serve', 'health-code'], { ...HC_ENV, HC_PORT: String(port) });
    await until(() => r.out.stdout.includes('Server listening'), 'the health-code system to listen');
    const base = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { sql: 'ok', kv: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/readyz",method="GET",status="200",app="health-code"\} 1/);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });
});
