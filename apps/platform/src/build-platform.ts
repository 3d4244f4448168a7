// Assembles the query platform (API.md) from its deps without listening:
// storage and transports come in, routes, services and the one error handler
// are wired here.
import { fileURLToPath } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Clock, Operator } from '@itinerary-card/domain';
import { systemClock } from '@itinerary-card/domain';
import { installOpsKit, maskedLogger, type SmsMetricsSource } from '@itinerary-card/ops';
import { type KeyValue, migrate, migrationsFromDir, type Sql } from '@itinerary-card/store';
import { webDistDir } from '@itinerary-card/web';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { DEFAULT_OPTIONS, type NodeEndpoint, type PlatformOptions } from './config.ts';
import type { PlatformServices } from './platform-services.ts';
import { AuditLog } from './repositories/audit-log.ts';
import { Partners } from './repositories/partners.ts';
import { PortingRegistry } from './repositories/porting-registry.ts';
import { RiskAreas } from './repositories/risk-areas.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { devRoutes } from './routes/dev-routes.ts';
import { itineraryRoutes } from './routes/itinerary-routes.ts';
import { notFoundPage } from './routes/not-found-page.ts';
import { withSecurity } from './routes/openapi-security.ts';
import { partnerRoutes } from './routes/partner-routes.ts';
import { webRoutes } from './routes/web-routes.ts';
import { ItineraryService } from './services/itinerary-service.ts';
import { LoginService } from './services/login-service.ts';
import { NodeClient } from './services/node-client.ts';
import { PartnerService } from './services/partner-service.ts';
import { Secrets } from './services/secrets.ts';
import type { OutboxReader, SmsSender } from './services/sms-sender.ts';
import { smsChannelRoutes } from './sms-channel/sms-channel-plugin.ts';

export interface PlatformDeps {
  /** PostgreSQL or PGlite; the platform's migrations are applied here. Not closed by the app. */
  sql: Sql;
  /** Memory or Redis: codes, limits, sessions, device and partner tokens. Not closed by the app. */
  kv: KeyValue;
  /** SMS transport for codes and the SMS channel (packages/sms `SmsTransport` fits). */
  sms: SmsSender;
  /** The development outbox: when given, `GET /dev/outbox` is served. */
  outbox?: OutboxReader;
  /**
   * The transport's receipts and SMPP link, for /metrics (receipts by state, bind state,
   * answers by status) and /readyz (not ready while the SMPP link is not bound).
   */
  smsStatus?: SmsMetricsSource;
  /** Operator node per operator. */
  nodes: Partial<Record<Operator, NodeEndpoint>>;
  /** Secrets are required; everything else has DEFAULT_OPTIONS. */
  options: Partial<PlatformOptions> & Pick<PlatformOptions, 'secretKey' | 'serviceSecret'>;
  clock?: Clock;
  /**
   * With a simulated `clock` (the demo's --now): the real time. A phone clock within the
   * allowed skew of either one is accepted; any other gets ILLEGAL_ACCESS.
   */
  realClock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** Log a line per request and response (default true; /metrics counts them either way). */
  requestLog?: boolean;
  /** Serve OpenAPI and Swagger UI at /docs (default true). */
  docs?: boolean;
  /**
   * Take the client address from X-Forwarded-For (per-IP limits behind a load
   * balancer): true (any proxy), a hop count, or the proxies' addresses/CIDRs.
   */
  trustProxy?: boolean | number | string;
  /** Keep audit entries in a local spool while the database is down (PLATFORM_SPOOL_DIR). */
  spool?: { dir: string; maxBytes: number };
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export async function buildPlatform(deps: PlatformDeps): Promise<FastifyInstance> {
  const options: PlatformOptions = { adminToken: '', ...DEFAULT_OPTIONS, ...deps.options };
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const app = Fastify({
    logger: maskedLogger(deps.logger), // numbers masked in every line (packages/ops)
    ...(deps.requestLog === false ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
    // Fastify also takes a hop count (proxy-addr), which its type leaves out.
    trustProxy: (deps.trustProxy ?? false) as FastifyServerOptions['trustProxy'],
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allowUnionTypes: true } },
  }) as unknown as FastifyInstance;

  await migrate(deps.sql, 'platform', await migrationsFromDir(MIGRATIONS_DIR));

  const secrets = new Secrets(options.secretKey);
  const audit = new AuditLog(deps.sql, clock, app.log, undefined, options.auditCommitMs);
  if (deps.spool) await audit.openSpool(deps.spool);
  const registry = new PortingRegistry(deps.sql, now, options.cacheTtlMs);
  const riskAreas = new RiskAreas(deps.sql, now, options.cacheTtlMs);
  const partners = new Partners(deps.sql);
  const nodes: Partial<Record<Operator, NodeClient>> = {};
  for (const [op, endpoint] of Object.entries(deps.nodes) as Array<[Operator, NodeEndpoint]>) {
    nodes[op] = new NodeClient(endpoint, {
      serviceSecret: options.serviceSecret,
      timeoutMs: options.nodeTimeoutMs,
      breakerFailures: options.breakerFailures,
      breakerOpenMs: options.breakerOpenMs,
      now,
    });
  }
  const itinerary = new ItineraryService({
    clock,
    realClock: deps.realClock,
    options,
    registry,
    riskAreas,
    audit,
    nodes,
    log: app.log,
  });
  const login = new LoginService({ kv: deps.kv, clock, secrets, sms: deps.sms, options, log: app.log });
  const partner = new PartnerService({
    sql: deps.sql,
    kv: deps.kv,
    clock,
    secrets,
    partners,
    audit,
    itinerary,
    sms: deps.sms,
    options,
  });
  const services: PlatformServices = {
    options,
    clock,
    sql: deps.sql,
    kv: deps.kv,
    sms: deps.sms,
    login,
    itinerary,
    partner,
    registry,
    riskAreas,
    partners,
    audit,
    nodes,
  };
  app.decorate('platform', services);
  await login.start();
  app.addHook('onClose', async () => {
    await login.stop();
    await audit.close();
    await Promise.all(Object.values(nodes).map((n) => n?.close()));
  });

  // The error handler, security headers, /metrics, /healthz and /readyz (packages/ops). Ready: SQL and the
  // key-value store answer, at least one operator node's circuit is not open, the SMPP link (if any) is bound.
  installOpsKit(app, {
    app: 'platform',
    notFoundHtml: notFoundPage,
    cspExceptPrefixes: ['/docs'], // Swagger UI brings its own inline scripts
    spools: () => ({ audit: audit.spoolStats() }),
    sms: deps.smsStatus,
    checks: {
      sql: { probe: () => deps.sql.query('SELECT 1', [], { retry: false }) },
      kv: { probe: () => deps.kv.ping() },
      ...Object.fromEntries(
        Object.entries(nodes).map(([op, n]) => [`node_${op}`, { state: () => n!.breaker.current() }]),
      ),
    },
    ready: (c) =>
      c.sql === 'ok' &&
      c.kv === 'ok' &&
      (c.smpp === undefined || c.smpp === 'ok') &&
      Object.entries(c).some(([k, v]) => k.startsWith('node_') && v !== 'open'),
    health: () => ({
      nodes: Object.fromEntries(Object.entries(nodes).map(([op, n]) => [op, n!.breaker.current()])),
    }),
  });
  if (deps.docs !== false) {
    await app.register(fastifySwagger, {
      transformObject: (d) => ('openapiObject' in d ? withSecurity(d.openapiObject) : d.swaggerObject),
      openapi: {
        info: {
          title: 'Itinerary Card query platform',
          version: '1.0.0',
          description:
            'API of the telecom big-data itinerary card (通信大数据行程卡). Errors: {"error":{"code","message"}}, Chinese by default, English with Accept-Language: en. Returning devices: log in once with rememberDevice:true, then POST /api/v1/login {phone, deviceToken} skips the SMS code ("二次登录无需验证").',
        },
      },
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }
  await app.register(async (scope) => authRoutes(scope, services));
  await app.register(async (scope) => itineraryRoutes(scope, services));
  await app.register(async (scope) => partnerRoutes(scope, services));
  // The CXMYD channel: deliver_sm when the transport receives (SMPP), and POST /api/v1/sms/inbound
  // only with the gateway's token, or open when the demo asks (its `from` is taken on trust).
  await app.register(async (scope) =>
    smsChannelRoutes(scope, services, deps.sms, {
      inboundToken: options.smsInboundToken || undefined,
      httpInbound: options.smsInboundToken !== '' || options.smsInboundOpen,
    }),
  );
  if (options.adminToken) await app.register(async (scope) => adminRoutes(scope, services));
  if (deps.outbox) {
    const outbox = deps.outbox;
    await app.register(async (scope) => devRoutes(scope, outbox));
  }
  await app.register(async (scope) => webRoutes(scope, options.webDist ?? webDistDir));
  return app;
}
