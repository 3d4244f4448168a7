// The one ops kit (packages/ops) on all three servers: a 404, a 429 and a
// validation error answer alike (code, zh/en message of the one error table),
// and /readyz names a dependency that has stopped (Redis down, no snapshot).
import { ManualClock } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import { buildHealthCode, createHttpPartnerClient, embeddedConfig } from '@itinerary-card/health-code';
import { buildOperatorNode, SnapshotHolder } from '@itinerary-card/operator-node';
import { buildPlatform } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { type KeyValue, openKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import { startRedis, type TestServer } from '@itinerary-card/store/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const T0 = Date.parse('2022-09-08T10:00:00+08:00');
const SECRET = 'service-secret-for-tests-0123456789';

interface Server {
  app: FastifyInstance;
  /** A request its route schema refuses. */
  invalid: { method: 'GET' | 'POST'; url: string; payload?: unknown; headers?: Record<string, string> };
}

const servers: Record<string, Server> = {};
const closers: Array<() => Promise<unknown>> = [];
let redis: TestServer;
let sql: Sql;
let kv: KeyValue;
/** Every log line the three servers write. */
const lines: string[] = [];
const logger = { level: 'info', stream: { write: (line: string) => lines.push(line) } };

/** A route that fails as a rate-limiting plugin does (@fastify/rate-limit throws a 429 with statusCode). */
function addLimitedRoute(app: FastifyInstance): void {
  app.get('/test/limited', async () => {
    throw Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429 });
  });
}

beforeAll(async () => {
  const clock = new ManualClock(T0);
  redis = await startRedis();
  closers.push(() => redis.stop());
  sql = await openPgliteSql();
  closers.push(() => sql.close());
  // The platform and the health-code system share one Redis (prefixes apart): stopping it stops both's store.
  kv = await openKeyValue({ url: redis.url, prefix: 'ops-kit:', timeoutMs: 300 });
  closers.push(() => kv.close());

  const platform = await buildPlatform({
    sql,
    kv,
    sms: new OutboxTransport({ clock }),
    nodes: { cmcc: { url: 'http://127.0.0.1:9', nodeId: 'cmcc' } },
    options: { secretKey: 'platform-secret-key-0123456789', serviceSecret: SECRET },
    clock,
    docs: false,
    logger,
  });
  addLimitedRoute(platform);
  servers.platform = { app: platform, invalid: { method: 'POST', url: '/api/v1/sms-code', payload: {} } };

  const hcKv = await openKeyValue({ url: redis.url, prefix: 'ops-kit-hc:', timeoutMs: 300 });
  closers.push(() => hcKv.close());
  const config = embeddedConfig({
    publicUrl: 'http://127.0.0.1:3001',
    itineraryCardUrl: 'http://127.0.0.1:3000/',
    partner: { baseUrl: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y' },
  });
  const healthCode = await buildHealthCode({
    sql, // one PGlite for both (their tables are apart): it is the slow part to start
    kv: hcKv,
    clock,
    sms: new OutboxTransport({ clock }),
    partner: createHttpPartnerClient({ ...config.partner, now: () => clock.now() }),
    config,
    timers: false,
    logger,
  });
  addLimitedRoute(healthCode);
  servers['health-code'] = { app: healthCode, invalid: { method: 'POST', url: '/api/hc/v1/verify', payload: {} } };

  const node = await buildOperatorNode({
    nodeId: 'cmcc',
    serviceSecret: SECRET,
    holder: new SnapshotHolder(),
    clock,
    logger,
  });
  addLimitedRoute(node);
  const token = signServiceToken({ iss: 'platform', aud: 'cmcc', exp: T0 + 60_000 }, SECRET);
  servers.node = {
    app: node,
    invalid: {
      method: 'GET',
      url: '/internal/v1/itinerary/not-a-number',
      headers: { authorization: `Bearer ${token}` },
    },
  };
  for (const s of Object.values(servers)) closers.unshift(() => s.app.close());
});

afterAll(async () => {
  for (const close of closers) await close();
});

const NAMES = ['platform', 'health-code', 'node'];

describe.each(NAMES)('%s answers with the one error table', (name) => {
  const ask = async (
    req: { method?: 'GET' | 'POST'; url: string; payload?: unknown; headers?: Record<string, string> },
    lang: 'zh' | 'en',
  ) => {
    const r = await servers[name]!.app.inject({
      method: req.method ?? 'GET',
      url: req.url,
      ...(req.payload === undefined ? {} : { payload: req.payload as object }),
      headers: { ...req.headers, ...(lang === 'en' ? { 'accept-language': 'en' } : {}) },
    });
    return { status: r.statusCode, error: r.json().error as { code: string; message: string } };
  };

  it('a 404', async () => {
    expect(await ask({ url: '/no/such/page' }, 'zh')).toEqual({
      status: 404,
      error: { code: 'NOT_FOUND', message: '您访问的内容不存在' },
    });
    expect(await ask({ url: '/no/such/page' }, 'en')).toEqual({
      status: 404,
      error: { code: 'NOT_FOUND', message: 'Not found.' },
    });
  });

  it('a 429 raised by a plugin', async () => {
    expect(await ask({ url: '/test/limited' }, 'zh')).toEqual({
      status: 429,
      error: { code: 'TOO_MANY_REQUESTS', message: '请求过于频繁，请稍后再试' },
    });
    expect(await ask({ url: '/test/limited' }, 'en')).toEqual({
      status: 429,
      error: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests. Please try again later.' },
    });
  });

  it('a validation error', async () => {
    const zh = await ask(servers[name]!.invalid, 'zh');
    expect(zh.status).toBe(400);
    expect(zh.error).toMatchObject({ code: 'BAD_REQUEST', message: '请求参数有误' });
    const en = await ask(servers[name]!.invalid, 'en');
    expect(en.error).toMatchObject({ code: 'BAD_REQUEST', message: 'The request is malformed.' });
  });

  it('logs requests with numbers masked', async () => {
    const from = lines.length;
    await ask({ url: `/no/such/13800000001?name=${name}` }, 'zh');
    const logged = lines.slice(from).join('');
    expect(logged).toContain(`/no/such/138****0001?name=${name}`);
    expect(logged).not.toContain('13800000001');
  });

  it('serves /metrics and /healthz', async () => {
    const app = servers[name]!.app;
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ ok: true });
    expect((await app.inject({ url: '/metrics' })).body).toContain('http_requests_total');
  });
});

describe('/readyz', () => {
  it('reports a stopped dependency by name', async () => {
    const before = await servers.platform!.app.inject({ url: '/readyz' });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ ready: true, checks: { sql: 'ok', kv: 'ok', node_cmcc: 'closed' } });
    expect((await servers['health-code']!.app.inject({ url: '/readyz' })).json()).toEqual({
      ready: true,
      checks: { sql: 'ok', kv: 'ok' },
    });
    // The node has nothing published yet: not ready, and it says why.
    const node = await servers.node!.app.inject({ url: '/readyz' });
    expect(node.statusCode).toBe(503);
    expect(node.json()).toEqual({ ready: false, checks: { snapshot: 'no snapshot published' } });

    await redis.down();
    for (const name of ['platform', 'health-code']) {
      const after = await servers[name]!.app.inject({ url: '/readyz' });
      expect(after.statusCode).toBe(503);
      const checks = after.json().checks as Record<string, string>;
      expect(checks.sql).toBe('ok');
      expect(checks.kv).not.toBe('ok');
      expect(checks.kv.length).toBeGreaterThan(0);
    }
  });
});
