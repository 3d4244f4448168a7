// The operations kit every server registers (platform, health-code system,
// operator node): the one error handler, security headers, the NUL guard,
// request metrics, and the endpoints /healthz (liveness), /readyz (each
// dependency checked) and /metrics (Prometheus text).
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type ErrorHandlerOptions, installErrorHandler } from './error-handler.ts';
import { installInputGuard } from './input-guard.ts';
import { installRequestMetrics } from './request-metrics.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { installSmsMetrics, type SmsMetricsSource } from './sms-metrics.ts';
import { installSpoolMetrics, type SpoolStats } from './spool-metrics.ts';

/**
 * One dependency of readiness: `probe` resolves when it answers and rejects
 * with what failed; or `state` says it at once (`ok` when fine).
 */
export type ReadinessCheck = { probe: () => Promise<unknown> } | { state: () => string };

export interface OpsKitOptions extends ErrorHandlerOptions {
  /** The `app` label of every metric. */
  app: string;
  /** Readiness checks by name (`sql`, `kv`, `node_cmcc`, `snapshot`…); `smpp` is added when `sms.link` is given. */
  checks: Record<string, ReadinessCheck>;
  /** Whether the checks make the process ready (default: every one `ok`). */
  ready?: (checks: Record<string, string>) => boolean;
  spools?: () => Record<string, SpoolStats | undefined>;
  sms?: SmsMetricsSource;
  /** Paths that bring their own inline scripts (Swagger UI): all security headers but the CSP. */
  cspExceptPrefixes?: string[];
  /** Pages that compile WebAssembly (the QR scanner): 'wasm-unsafe-eval' in their CSP's script-src, only theirs. */
  cspWasmPages?: string[];
  /** Body of /healthz beyond `ok: true`. */
  health?: () => Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus registry of /metrics (installOpsKit). */
    metrics: Registry;
  }
}

/** What failed, from the outage's cause (the documented error says only "unavailable"). */
function outageText(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : e instanceof Error ? e.message : String(e);
}

/** Every check by name: `ok` or what failed. */
async function runChecks(checks: Record<string, ReadinessCheck>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      if ('state' in check) {
        out[name] = check.state();
        return;
      }
      try {
        await check.probe();
        out[name] = 'ok';
      } catch (e) {
        out[name] = outageText(e);
      }
    }),
  );
  return Object.fromEntries(Object.keys(checks).map((k) => [k, out[k]!]));
}

/** Call on the root instance before routes are registered, so its hooks see every route. */
export function installOpsKit(app: FastifyInstance, o: OpsKitOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: o.app });
  collectDefaultMetrics({ register: registry });
  app.decorate('metrics', registry);
  installErrorHandler(app, o);
  installRequestMetrics(app, registry);
  // CSP, framing, sniffing, referrer on every response.
  installSecurityHeaders(app, { exceptPrefixes: o.cspExceptPrefixes ?? [], wasmPages: o.cspWasmPages ?? [] });
  installInputGuard(app); // NUL characters: BAD_REQUEST at the door, not a 500 from the database
  installSpoolMetrics(registry, o.spools ?? (() => ({})));
  installSmsMetrics(registry, o.sms ?? {});
  const checks: Record<string, ReadinessCheck> = { ...o.checks };
  const link = o.sms?.link;
  // Codes and CXMYD replies cannot go out while the SMSC refuses or cannot be reached.
  if (link)
    checks.smpp = {
      state: () => {
        const s = link.stats();
        return s.bound ? 'ok' : s.linkDown ? 'link down' : 'binding';
      },
    };
  const ready = o.ready ?? ((c: Record<string, string>) => Object.values(c).every((v) => v === 'ok'));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true, ...o.health?.() }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const results = await runChecks(checks);
    const ok = ready(results);
    return reply.status(ok ? 200 : 503).send({ ready: ok, checks: results });
  });
  return registry;
}
