// Production mode: real PostgreSQL and Redis started here, a China Mobile node
// in its own process that is killed mid-test and started again.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KeyValue, openKeyValue, openSql, type Sql } from '@itinerary-card/store';
import { freePort, killAndWait, startPostgres, startRedis, type TestServer } from '@itinerary-card/store/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, at, startTestPlatform, type TestPlatform } from './fixtures.ts';

let pg: TestServer;
let redis: TestServer;
let sql: Sql;
let kv: KeyValue;
let p: TestPlatform;
let child: ChildProcess | undefined;
let nodePort: number;
let portedToken = '';

const NODE_SCRIPT = fileURLToPath(new URL('./node-process.ts', import.meta.url));

function startChildNode(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', NODE_SCRIPT], {
      env: { ...process.env, PORT: String(nodePort), NOW: String(at('2022-09-08', 9)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error('node process did not start')), 30_000);
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.once('exit', (code) => reject(new Error(`node process exited ${code}`)));
  });
}

beforeAll(async () => {
  [pg, redis, nodePort] = await Promise.all([startPostgres(), startRedis(), freePort()]);
  child = await startChildNode();
  sql = await openSql({ url: pg.url });
  kv = await openKeyValue({ url: redis.url, prefix: 'platform:' });
  p = await startTestPlatform({
    sql,
    kv,
    nodeUrls: { cmcc: `http://127.0.0.1:${nodePort}` },
    options: { breakerFailures: 3, breakerOpenMs: 5_000 },
  });
});

afterAll(async () => {
  await p?.close();
  await kv?.close();
  await sql?.close();
  if (child) await killAndWait(child, 'SIGKILL');
  await Promise.all([pg?.stop(), redis?.stop()]);
});

async function codeLogin(phone: string): Promise<string> {
  const r1 = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
  expect(r1.statusCode).toBe(200);
  const r2 = await p.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { phone, code: p.outbox.lastCode(phone) },
  });
  expect(r2.statusCode).toBe(200);
  return r2.json().token;
}

const query = (token: string) =>
  p.app.inject({
    url: '/api/v1/itinerary',
    headers: { authorization: `Bearer ${token}`, 'x-client-time': String(p.clock.now()) },
  });

describe('production mode (PostgreSQL + Redis)', () => {
  it('logs in with codes kept in Redis only as keyed hashes, answers, and audits in PostgreSQL', async () => {
    const token = await codeLogin('13800000001');
    const r = await query(token);
    expect(r.statusCode).toBe(200);
    expect(r.json().phone).toBe('138****0001');
    const raw = new Redis(redis.url);
    const keys = await raw.keys('*');
    const values = await Promise.all(keys.map((k) => raw.type(k).then((t) => (t === 'string' ? raw.get(k) : ''))));
    await raw.quit();
    expect(keys.length).toBeGreaterThan(0);
    // Key names carry keyed ids, not numbers; no value holds the code (only the session maps to its number).
    expect(JSON.stringify(keys)).not.toContain('13800000001');
    expect(JSON.stringify(values)).not.toContain(p.outbox.lastCode('13800000001'));
    await p.app.platform.audit.flush();
    const rows = await sql.query<{ action: string; outcome: string }>(
      "SELECT action, outcome FROM audit_log WHERE msisdn = '13800000001'",
    );
    expect(rows).toContainEqual({ action: 'itinerary.read.7', outcome: 'ok' });
  });

  it('ends a session in every process at once: a replica that cached it refuses it after a logout elsewhere', async () => {
    const other = await startTestPlatform({
      sql,
      kv: await openKeyValue({ url: redis.url, prefix: 'platform:' }),
      nodeUrls: { cmcc: `http://127.0.0.1:${nodePort}` },
      options: { sessionCacheMs: 600_000 },
    });
    try {
      const token = await codeLogin('13800000009');
      const ask = (on: TestPlatform) =>
        on.app.inject({
          url: '/api/v1/itinerary',
          headers: { authorization: `Bearer ${token}`, 'x-client-time': String(on.clock.now()) },
        });
      // Looked up in Redis, now cached by `other` (the answer itself does not matter here).
      expect((await ask(other)).statusCode).not.toBe(401);
      const out = await p.app.inject({
        method: 'POST',
        url: '/api/v1/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBeLessThan(300);
      await expect.poll(async () => (await ask(other)).statusCode, { timeout: 5_000 }).toBe(401);
      expect((await ask(p)).statusCode).toBe(401);
    } finally {
      await other.close();
      await other.kv.close();
    }
  });

  it('burns a code after 5 wrong tries against Redis', async () => {
    const phone = '13800000006';
    await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
    const right = p.outbox.lastCode(phone);
    const wrong = right === '999999' ? '999998' : '999999';
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { phone, code: i < 5 ? wrong : right },
      });
      codes.push(r.json().error?.code ?? 'OK');
    }
    expect(codes.slice(0, 5)).toEqual([
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_INVALID',
      'TOO_MANY_ATTEMPTS',
    ]);
    expect(codes[5]).not.toBe('OK');
  });

  it('keeps the porting registry and risk areas in PostgreSQL', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const load = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/porting',
      headers: admin,
      payload: { entries: [{ msisdn: '13800000007', operator: 'ctcc', portedAt: '2022-09-07' }] },
    });
    expect(load.json()).toEqual({ loaded: 1 });
    const rows = await sql.query<{ operator: string; ported_at: string }>(
      "SELECT operator, ported_at::text AS ported_at FROM porting_registry WHERE msisdn = '13800000007'",
    );
    expect(rows).toEqual([{ operator: 'ctcc', ported_at: '2022-09-07' }]);
    portedToken = await codeLogin('13800000007');
    const r = await query(portedToken);
    expect(r.statusCode).toBe(200);
    expect(r.json().notes.join('')).toContain('携号转网');
  });

  it('survives the China Mobile node being killed mid-test: QUERY_FAILED within 3 s, never 500, then recovers', async () => {
    const token = await codeLogin('13800000004');
    expect((await query(token)).statusCode).toBe(200);
    // Queries in flight while the node process dies.
    const inflight = Array.from({ length: 20 }, () => {
      const t0 = performance.now();
      return query(token).then((r) => ({ status: r.statusCode, ms: performance.now() - t0 }));
    });
    await killAndWait(child!, 'SIGKILL');
    child = undefined;
    const results = await Promise.all(inflight);
    for (const r of results) {
      expect([200, 503]).toContain(r.status);
      expect(r.ms).toBeLessThan(3000);
    }
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const r = await query(token);
      expect(r.statusCode).toBe(503);
      expect(r.json().error.code).toBe('QUERY_FAILED');
      expect(performance.now() - t0).toBeLessThan(3000);
    }
    expect(p.app.platform.nodes.cmcc!.breaker.current()).toBe('open');
    // China Telecom's node is unaffected.
    expect((await query(portedToken)).statusCode).toBe(200);
    child = await startChildNode();
    p.clock.advance(5_000);
    const back = await query(token);
    expect(back.statusCode).toBe(200);
    expect(p.app.platform.nodes.cmcc!.breaker.current()).toBe('closed');
  });
});
