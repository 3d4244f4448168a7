// Operations endpoints of the health-code system: Prometheus metrics at /metrics
// (requests by route and status, latencies, SMS receipts and the SMPP link,
// process metrics) and readiness at /readyz (SQL and the key-value store answer,
// the SMPP link is bound when there is one). Liveness: /healthz.

import {
  installInputGuard,
  installRequestMetrics,
  installSecurityHeaders,
  installSmsMetrics,
  installSpoolMetrics,
  type SmsMetricsSource,
  type SpoolStats,
} from '@itinerary-card/ops';
import type { KeyValue, Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Call on the root instance before routes are registered, so its hooks see every route. */
export function installOps(
  app: FastifyInstance,
  deps: { sql: Sql; kv: KeyValue; spools?: Record<string, SpoolStats | undefined>; sms?: SmsMetricsSource },
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'health-code' });
  collectDefaultMetrics({ register: registry });
  installRequestMetrics(app, registry);
  installSecurityHeaders(app); // CSP, framing, sniffing, referrer on every response
  installInputGuard(app); // NUL characters: BAD_REQUEST at the door, not a 500 from the database
  installSpoolMetrics(registry, () => deps.spools ?? {});
  installSmsMetrics(registry, deps.sms ?? {});
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
        const cause = (e as { cause?: unknown }).cause;
        checks[name] = cause instanceof Error ? cause.message : (e as Error).message;
      }
    };
    // No retry window: readiness tells the truth at once while a store restarts.
    await Promise.all([
      probe('sql', () => deps.sql.query('SELECT 1', [], { retry: false })),
      probe('kv', () => deps.kv.ping()),
    ]);
    // Login codes cannot go out while the SMSC refuses or cannot be reached.
    const link = deps.sms?.link?.stats();
    if (link) checks.smpp = link.bound ? 'ok' : link.linkDown ? 'link down' : 'binding';
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ ready, checks });
  });
  return registry;
}
