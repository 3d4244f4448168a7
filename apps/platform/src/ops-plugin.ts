// Operations endpoints of the platform: Prometheus metrics at /metrics (request
// counts and latencies by route and status, itinerary answers by channel and
// outcome, process metrics) and readiness at /readyz (SQL answers, at least one
// operator node's circuit is not open). /healthz (liveness) is in build-platform.

import { installRequestMetrics } from '@itinerary-card/ops';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { PlatformServices } from './platform-services.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** Call on the root instance before routes are registered, so its hooks see every route. */
export function installOps(app: FastifyInstance, services: Pick<PlatformServices, 'sql' | 'nodes'>): void {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'platform' });
  collectDefaultMetrics({ register: registry });
  app.decorate('metrics', registry);
  installRequestMetrics(app, registry);
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await services.sql.query('SELECT 1');
      checks.sql = 'ok';
    } catch (e) {
      checks.sql = (e as Error).message;
    }
    const states = Object.entries(services.nodes).map(([op, n]) => [op, n!.breaker.current()] as const);
    for (const [op, state] of states) checks[`node_${op}`] = state;
    const ready = checks.sql === 'ok' && states.some(([, s]) => s !== 'open');
    return reply.status(ready ? 200 : 503).send({ ready, checks });
  });
}
