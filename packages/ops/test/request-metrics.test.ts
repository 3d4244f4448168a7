import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { installRequestMetrics, RequestMetrics } from '../src/index.ts';

describe('request metrics', () => {
  it('counts by route, method and status, and keeps cumulative latency buckets', async () => {
    const registry = new Registry();
    const m = new RequestMetrics(registry, [0.01, 0.1]);
    m.record('/a/:phone', 'GET', 200, 0.005);
    m.record('/a/:phone', 'GET', 200, 0.05);
    m.record('/a/:phone', 'GET', 404, 0.5);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('http_requests_total{route="/a/:phone",method="GET",status="200"} 2');
    expect(text).toContain('http_requests_total{route="/a/:phone",method="GET",status="404"} 1');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.01",route="/a/:phone"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.1",route="/a/:phone"} 2');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",route="/a/:phone"} 3');
    expect(text).toContain('http_request_duration_seconds_sum{route="/a/:phone"} 0.555');
    expect(text).toContain('http_request_duration_seconds_count{route="/a/:phone"} 3');
    const json = await registry.getMetricsAsJSON();
    expect(json.map((j) => j.name)).toEqual(['http_requests_total', 'http_request_duration_seconds']);
  });

  it('records every route by its pattern, never the URL, and not /metrics itself', async () => {
    const app = Fastify();
    const registry = new Registry();
    installRequestMetrics(app, registry);
    app.get('/n/:phone', async () => ({ ok: true }));
    app.get('/metrics', async () => registry.metrics());
    await app.inject({ url: '/n/13800000001' });
    await app.inject({ url: '/nowhere' });
    await app.inject({ url: '/metrics' });
    const text = await registry.metrics();
    expect(text).not.toContain('13800000001');
    expect(text).toContain('http_requests_total{route="/n/:phone",method="GET",status="200"} 1');
    expect(text).toMatch(/http_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
    expect(text).not.toContain('route="/metrics"');
    await app.close();
  });

  it('counts errors and refusals by their status, and times each request from its arrival', async () => {
    const app = Fastify();
    const registry = new Registry();
    installRequestMetrics(app, registry);
    app.register(async (scope) => {
      scope.addHook('onRequest', async (req) => {
        if (req.headers.authorization !== 'ok') throw Object.assign(new Error('no'), { statusCode: 401 });
      });
      scope.get('/guarded', async () => ({ ok: true }));
    });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 60));
      return { ok: true };
    });
    expect((await app.inject({ url: '/guarded' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/guarded', headers: { authorization: 'ok' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/boom' })).statusCode).toBe(500);
    await app.inject({ url: '/slow' });
    const text = await registry.metrics();
    expect(text).toContain('http_requests_total{route="/guarded",method="GET",status="401"} 1');
    expect(text).toContain('http_requests_total{route="/guarded",method="GET",status="200"} 1');
    expect(text).toContain('http_requests_total{route="/boom",method="GET",status="500"} 1');
    const slow = Number(/http_request_duration_seconds_sum\{route="\/slow"\} ([0-9.e-]+)/.exec(text)?.[1]);
    expect(slow).toBeGreaterThanOrEqual(0.05);
    await app.close();
  });
});
