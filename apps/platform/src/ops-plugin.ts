// Operations endpoints of the platform: Prometheus metrics at /metrics (request
// counts and latencies by route and status, itinerary answers by channel and
// outcome, SMS receipts and the SMPP link, process metrics) and readiness at
// /readyz (SQL and the key-value store answer, at least one operator node's
// circuit is not open, the SMPP link is bound when there is one). /healthz
// (liveness) is in build-platform.

import {
  installInputGuard,
  installRequestMetrics,
  installSecurityHeaders,
  installSmsMetrics,
  installSpoolMetrics,
  type SmsMetricsSource,
} from '@itinerary-card/ops';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { PlatformServices } from './platform-services.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** Call on the root instance before routes are registered, so its hooks see every route. */
export function installOps(
  app: FastifyInstance,
  services: Pick<PlatformServices, 'sql' | 'kv' | 'nodes' | 'audit'>,
  sms: SmsMetricsSource = {},
): void {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'platform' });
  collectDefaultMetrics({ register: registry });
  app.decorate('metrics', registry);
  installRequestMetrics(app, registry);
  // CSP, framing, sniffing, referrer on every response; Swagger UI (/docs) brings its own inline scripts.
  installSecurityHeaders(app, { exceptPrefixes: ['/docs'] });
  installInputGuard(app); // NUL characters: BAD_REQUEST at the door, not a 500 from the database
  installSpoolMetrics(registry, () => ({ audit: services.audit.spoolStats() }));
  installSmsMetrics(registry, sms);
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (e) {
        checks[name] = outageText(e);
      }
    };
    // Each store has its own time limit (PLATFORM_STORAGE_TIMEOUT_MS) and no retry window: an outage answers at once.
    await Promise.all([
      probe('sql', () => services.sql.query('SELECT 1', [], { retry: false })),
      probe('kv', () => services.kv.ping()),
    ]);
    const states = Object.entries(services.nodes).map(([op, n]) => [op, n!.breaker.current()] as const);
    for (const [op, state] of states) checks[`node_${op}`] = state;
    // Codes and CXMYD replies cannot go out while the SMSC refuses or cannot be reached.
    const link = sms.link?.stats();
    if (link) checks.smpp = link.bound ? 'ok' : link.linkDown ? 'link down' : 'binding';
    const ready =
      checks.sql === 'ok' && checks.kv === 'ok' && states.some(([, s]) => s !== 'open') && (!link || link.bound);
    return reply.status(ready ? 200 : 503).send({ ready, checks });
  });
}

/** What failed, from the outage's cause (the documented error says only "unavailable"). */
export function outageText(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (e as Error).message;
}
