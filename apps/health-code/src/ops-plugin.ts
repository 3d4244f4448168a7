// Operations endpoints of the health-code system: Prometheus metrics at /metrics
// (requests by route and status, latencies, process metrics) and readiness at
// /readyz (SQL and the key-value store answer). Liveness: /healthz.
import type { KeyValue, Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Call on the root instance before routes are registered, so its hooks see every route. */
export function installOps(app: FastifyInstance, deps: { sql: Sql; kv: KeyValue }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'health-code' });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the URL: URLs may carry a phone number or a code.
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    duration.observe({ route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (e) {
        checks[name] = (e as Error).message;
      }
    };
    await probe('sql', () => deps.sql.query('SELECT 1'));
    await probe('kv', () => deps.kv.get('readyz'));
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ ready, checks });
  });
  return registry;
}
