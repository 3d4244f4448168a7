// `itinerary-card serve`: production processes configured by environment
// variables. A bad value stops start-up naming the variable; a good
// configuration serves /healthz, /readyz and /metrics, logs JSON lines, and
// SIGTERM shuts it down cleanly (exit 0).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFingerprint, snapshotDir } from '@itinerary-card/pipeline';
import { SmscSimulator } from '@itinerary-card/sms/testing';
import { freePort, startPostgres, startRedis } from '@itinerary-card/store/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids } from '../src/topology/port-owner.ts';
import { killCliProcesses, spawnCli, until } from './cli-process.ts';

afterEach(killCliProcesses);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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
    // Many SMSCs reject a submit_sm with an empty source: login codes need a sender.
    [
      'platform',
      { ...PLATFORM_ENV, PLATFORM_SMS: 'smpp', SMPP_HOST: '127.0.0.1', SMPP_SYSTEM_ID: 'itc' },
      'SMPP_SOURCE_ADDR',
    ],
    ['health-code', { ...HC_ENV, SMPP_HOST: '127.0.0.1', SMPP_SYSTEM_ID: 'itc' }, 'SMPP_SOURCE_ADDR'],
    ['health-code', { ...HC_ENV, HC_DATABASE_URL: 'postgres//db' }, 'HC_DATABASE_URL'],
    ['health-code', { ...HC_ENV, HC_DEV_OUTBOX: '0' }, 'SMPP_HOST'],
    ['node', { NODE_OPERATOR: 'xyz', NODE_SERVICE_SECRET: 'service-secret-0123456789' }, 'NODE_OPERATOR'],
    ['node', { NODE_OPERATOR: 'cmcc', NODE_SERVICE_SECRET: 'service-secret-0123456789' }, 'NODE_PSEUDONYM_KEY'],
    ['health-code', { HC_PORT: '3001' }, 'HC_KEY_SECRET'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_WORKERS: '0' }, 'PLATFORM_WORKERS'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_LOG_LEVEL: 'loud' }, 'PLATFORM_LOG_LEVEL'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_REQUEST_LOG: 'maybe' }, 'PLATFORM_REQUEST_LOG'],
    ['platform', { ...PLATFORM_ENV, PLATFORM_WORKERS: '2' }, 'PLATFORM_WORKERS'],
    ['health-code', { ...HC_ENV, HC_WORKERS: '0' }, 'HC_WORKERS'],
    ['health-code', { ...HC_ENV, HC_WORKERS: '2' }, 'HC_WORKERS'],
    ['health-code', { ...HC_ENV, HC_WORKERS: '2', HC_REDIS_URL: 'redis://127.0.0.1:9' }, 'HC_WORKERS'],
  ])('serve %s stops on a bad value and names the variable', async (what, env, variable) => {
    const r = spawnCli(['serve', what], env);
    expect(await r.exited).toBe(2);
    expect(r.out.stderr).toContain('configuration error');
    expect(r.out.stderr).toContain(variable);
  });

  it('serve platform answers /healthz, /readyz and /metrics, logs JSON, and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const r = spawnCli(['serve', 'platform'], { ...PLATFORM_ENV, PLATFORM_PORT: String(port) });
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

  it('serve platform with PLATFORM_WORKERS=2 shares one port between two processes, replaces one that dies, and stops both on SIGTERM', async () => {
    const [pg, redis, port] = await Promise.all([startPostgres(), startRedis(), freePort()]);
    try {
      const r = spawnCli(['serve', 'platform'], {
        ...PLATFORM_ENV,
        PLATFORM_PORT: String(port),
        PLATFORM_WORKERS: '2',
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
      });
      await until(() => r.out.stdout.includes('"platform listening"'), 'two workers to listen');
      const base = `http://127.0.0.1:${port}`;
      const workers = () => childPids(r.child.pid!);
      expect(workers()).toHaveLength(2);
      for (let i = 0; i < 20; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const [victim] = workers();
      process.kill(victim!, 'SIGKILL');
      await until(() => r.out.stdout.includes('platform worker died'), 'the pool to notice');
      await until(() => workers().length === 2 && !workers().includes(victim!), 'a new worker');
      await until(() => (r.out.stdout.match(/Server listening/g) ?? []).length >= 3, 'the new worker to listen');
      for (let i = 0; i < 20; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const before = workers();
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      for (const pid of before) expect(alive(pid)).toBe(false);
    } finally {
      await Promise.all([pg.stop(), redis.stop()]);
    }
  });

  it('serve health-code with HC_WORKERS=2 shares one port between two processes and stops both on SIGTERM', async () => {
    const [pg, redis, port] = await Promise.all([startPostgres(), startRedis(), freePort()]);
    try {
      const r = spawnCli(['serve', 'health-code'], {
        ...HC_ENV,
        HC_PORT: String(port),
        HC_WORKERS: '2',
        HC_DATABASE_URL: pg.url,
        HC_REDIS_URL: redis.url,
      });
      await until(() => r.out.stdout.includes('"health-code listening"'), 'two workers to listen');
      const workers = childPids(r.child.pid!);
      expect(workers).toHaveLength(2);
      for (let i = 0; i < 10; i++) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(await ready.json()).toEqual({ ready: true, checks: { sql: 'ok', kv: 'ok' } });
      }
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      for (const pid of workers) expect(alive(pid)).toBe(false);
    } finally {
      await Promise.all([pg.stop(), redis.stop()]);
    }
  });

  it('serve node refuses to start on a snapshot made with another pseudonym key (exit 2, SNAPSHOT_KEY_MISMATCH)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ic-serve-node-'));
    try {
      const dir = snapshotDir(data, '2022-09-08');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'snapshot.jsonl'), '');
      writeFileSync(
        join(dir, 'meta.json'),
        JSON.stringify({
          operator: 'cmcc',
          date: '2022-09-08',
          keyFingerprint: keyFingerprint('the-pipeline-key-0123'),
        }),
      );
      writeFileSync(join(data, 'published.json'), JSON.stringify({ date: '2022-09-08', publishedAt: 0 }));
      const r = spawnCli(['serve', 'node'], {
        NODE_OPERATOR: 'cmcc',
        NODE_SERVICE_SECRET: 'service-secret-0123456789',
        NODE_PORT: String(await freePort()),
        NODE_DATA_DIR: data,
        NODE_PSEUDONYM_KEY: 'another-key-0123456789',
      });
      expect(await r.exited).toBe(2);
      expect(r.out.stderr).toContain('NODE_PSEUDONYM_KEY');
      expect(r.out.stderr).toContain('SNAPSHOT_KEY_MISMATCH');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('serve health-code answers /readyz and /metrics and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const r = spawnCli(['serve', 'health-code'], { ...HC_ENV, HC_PORT: String(port) });
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

  it.each([
    ['platform', { ...PLATFORM_ENV, PLATFORM_SMS: 'smpp' }, 'PLATFORM_PORT'],
    ['health-code', HC_ENV, 'HC_PORT'],
  ])(
    'serve %s over SMPP logs a refused bind and is not ready while unbound',
    async (what, env, portVar) => {
      const smsc = await SmscSimulator.start({ systemId: 'itc', password: 'right' });
      try {
        const port = await freePort();
        const r = spawnCli(['serve', what], {
          ...env,
          [portVar]: String(port),
          SMPP_HOST: '127.0.0.1',
          SMPP_PORT: String(smsc.port),
          SMPP_SYSTEM_ID: 'itc',
          SMPP_PASSWORD: 'wrong',
          SMPP_SOURCE_ADDR: '106900',
        });
        await until(() => r.out.stdout.includes('Server listening'), 'the service to listen');
        await until(() => r.out.stdout.includes('smpp bind_transceiver refused'), 'the refusal in the log');
        const base = `http://127.0.0.1:${port}`;
        const ready = await fetch(`${base}/readyz`);
        expect(ready.status).toBe(503);
        expect((await ready.json()).checks.smpp).toBe('link down');
        expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
          /smpp_binds_refused_total\{app="[a-z-]+"\} [1-9]/,
        );
        const refusal = r.out.stdout.split('\n').find((l) => l.includes('smpp bind_transceiver refused'));
        expect(JSON.parse(refusal!)).toMatchObject({ component: 'smpp', status: '0x0000000d', systemId: 'itc' });
        r.child.kill('SIGTERM');
        expect(await r.exited).toBe(0);
      } finally {
        await smsc.close();
      }
      // A whole service starts in a child process: on a loaded machine that alone can take most of a minute.
    },
    120_000,
  );
});
