// The operator node's internal itinerary service: answers the platform from the
// in-memory index of the published snapshot, behind HMAC service tokens.
import { AppError, type Clock, systemClock, type WindowDays } from '@itinerary-card/domain';
import { verifyServiceToken } from '@itinerary-card/domain/service-token';
import { NodeItinerarySchema } from '@itinerary-card/domain/wire';
import { installOpsKit, maskedLogger } from '@itinerary-card/ops';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TlsConfig } from './config.ts';
import type { SnapshotHolder } from './snapshot-holder.ts';

export interface OperatorNodeDeps {
  /** Audience of the service tokens this node accepts. */
  nodeId: string;
  /** Shared HMAC secret of service tokens. */
  serviceSecret: string;
  /** Published snapshots; the daily pipeline calls `holder.publish(snapshot)`. */
  holder: SnapshotHolder;
  clock?: Clock;
  /** Fastify logger option (pino); off by default. */
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS; with `ca` client certificates are required (mTLS). */
  tls?: TlsConfig;
}

const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

export async function buildOperatorNode(deps: OperatorNodeDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  // Request lines carry the number queried (/internal/v1/itinerary/<number>): masked (packages/ops).
  const opts: FastifyServerOptions & { https?: unknown } = { logger: maskedLogger(deps.logger) };
  if (deps.tls) {
    opts.https = {
      cert: deps.tls.cert,
      key: deps.tls.key,
      ...(deps.tls.ca ? { ca: deps.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }
  const app = Fastify(opts) as unknown as FastifyInstance;

  // Verified tokens, so the HMAC is computed once per token rather than per call.
  const verified = new Map<string, number>();
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/internal/')) return;
    const h = req.headers.authorization;
    const token = h?.startsWith('Bearer ') ? h.slice(7) : '';
    const now = clock.now();
    const exp = verified.get(token);
    if (exp !== undefined && exp > now) return;
    const check = verifyServiceToken(token, { secret: deps.serviceSecret, audience: deps.nodeId, now });
    if (!check.ok) {
      verified.delete(token);
      req.log.warn({ reason: check.reason }, 'service token rejected');
      throw new AppError('UNAUTHENTICATED');
    }
    if (verified.size > 1000) verified.clear();
    verified.set(token, check.claims.exp);
  });

  // The error handler (zh/en messages of the one error table), /metrics, /healthz and /readyz (packages/ops).
  // Ready: a snapshot is published, so the node can answer.
  installOpsKit(app, {
    app: 'operator-node',
    checks: { snapshot: { state: () => (deps.holder.latest() ? 'ok' : 'no snapshot published') } },
    health: () => ({ snapshot: deps.holder.latest()?.date ?? null }),
  });

  app.get<{ Params: { msisdn: string }; Querystring: { days: WindowDays; date?: string } }>(
    '/internal/v1/itinerary/:msisdn',
    {
      schema: {
        params: { type: 'object', properties: { msisdn: { type: 'string', pattern: '^1\\d{10}$' } } },
        querystring: {
          type: 'object',
          properties: {
            days: { type: 'integer', enum: [7, 14], default: 7 },
            date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: { 200: NodeItinerarySchema, 404: errorSchema, 503: errorSchema },
      },
    },
    async (req) => {
      const snap = deps.holder.forDate(req.query.date);
      if (!snap) throw new AppError('QUERY_FAILED');
      const answer = snap.lookup(req.params.msisdn, req.query.days);
      if (!answer) throw new AppError('NOT_FOUND');
      return answer;
    },
  );

  app.get('/internal/v1/snapshot', async () => {
    const snap = deps.holder.latest();
    if (!snap) throw new AppError('QUERY_FAILED');
    return {
      operator: snap.operator,
      date: snap.date,
      publishedAt: snap.publishedAt,
      subscribers: snap.size ?? null,
      kept: deps.holder.all().map((s) => ({ date: s.date, publishedAt: s.publishedAt })),
    };
  });

  return app;
}
