// Admin API (admin token from config): risk areas with effective dates, the
// porting registry load, partners, and the audit log. Every change is audited
// in the same transaction as the change.
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@itinerary-card/domain';
import type { Sql } from '@itinerary-card/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import { parseRegistryEntry, parseSubscribersCsv } from '../repositories/porting-registry.ts';
import type { RiskAreaInput } from '../repositories/risk-areas.ts';
import { loadPortingRegistry } from '../services/porting-import.ts';
import { bearerToken } from './phone-input.ts';

/** Every admin route's Swagger group; its security (the admin token) is declared in openapi-security.ts. */
const ADMIN = { tags: ['admin'] };

const riskAreaBody = {
  type: 'object',
  required: ['cityCode', 'area', 'level', 'effectiveFrom'],
  properties: {
    cityCode: { type: 'string', pattern: '^\\d{6}$' },
    area: { type: 'string', minLength: 1, maxLength: 200 },
    level: { type: 'string', enum: ['medium', 'high'] },
    effectiveFrom: {
      type: 'string',
      description: 'a date (2026-11-25: 00:00 Beijing time that day) or an ISO-8601 instant with its offset',
      examples: ['2026-11-25', '2026-11-25T08:00:00+08:00'],
    },
    effectiveTo: {
      type: ['string', 'null'],
      description: 'when the area is lifted (same forms as effectiveFrom); null or absent: until further notice',
    },
  },
} as const;

export async function adminRoutes(app: FastifyInstance, s: PlatformServices): Promise<void> {
  const expected = Buffer.from(s.options.adminToken);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const given = Buffer.from(bearerToken(req.headers.authorization) ?? '');
    if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('FORBIDDEN');
    }
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  const audited = <T>(action: string, fn: (tx: Sql) => Promise<T>, detail: (r: T) => Record<string, unknown>) =>
    s.sql.transaction(async (tx) => {
      const r = await fn(tx);
      await s.audit.write({ actorType: 'admin', actor: 'admin', action, outcome: 'ok', detail: detail(r) }, tx);
      return r;
    });

  app.get(
    '/api/v1/admin/risk-areas',
    { schema: { ...ADMIN, summary: 'List the risk areas (times in +08:00)' } },
    async () => ({
      areas: await s.riskAreas.list(),
    }),
  );

  app.post<{ Body: RiskAreaInput }>(
    '/api/v1/admin/risk-areas',
    {
      schema: { ...ADMIN, summary: 'Add a medium/high-risk area with its effective period', body: riskAreaBody },
    },
    async (req, reply) => {
      const area = await audited(
        'risk-area.create',
        (tx) => s.riskAreas.create(req.body, tx),
        (a) => ({ area: a }),
      );
      return reply.status(201).send(area);
    },
  );

  app.put<{ Params: { id: string }; Body: RiskAreaInput }>(
    '/api/v1/admin/risk-areas/:id',
    {
      schema: { ...ADMIN, summary: 'Change a risk area (e.g. set effectiveTo to lift it)', body: riskAreaBody },
    },
    async (req) => {
      const id = Number(req.params.id);
      const before = Number.isInteger(id) ? await s.riskAreas.get(id) : undefined;
      if (!before) throw new AppError('NOT_FOUND');
      return audited(
        'risk-area.update',
        async (tx) => {
          const a = await s.riskAreas.update(id, req.body, tx);
          if (!a) throw new AppError('NOT_FOUND');
          return a;
        },
        (a) => ({ before, after: a }),
      );
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/admin/risk-areas/:id',
    { schema: { ...ADMIN, summary: 'Delete a risk area (to lift one and keep its history, set effectiveTo instead)' } },
    async (req, reply) => {
      const id = Number(req.params.id);
      const before = Number.isInteger(id) ? await s.riskAreas.get(id) : undefined;
      if (!before) throw new AppError('NOT_FOUND');
      await audited(
        'risk-area.delete',
        (tx) => s.riskAreas.remove(id, tx),
        () => ({ before }),
      );
      return reply.status(204).send();
    },
  );

  app.post<{
    Body: { entries: Record<string, unknown>[]; replace?: boolean } | string;
    Querystring: { replace?: string };
  }>(
    '/api/v1/admin/porting',
    {
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        ...ADMIN,
        summary:
          'Load the porting registry: JSON {entries:[{msisdn,operator,portedAt,kind,primaryMsisdn}]} or subscribers.csv as text/csv (?replace=true for a full daily load)',
      },
    },
    async (req) => {
      const csv = typeof req.body === 'string';
      const body = (csv || req.body === null || typeof req.body !== 'object' ? {} : req.body) as {
        entries?: unknown;
        replace?: unknown;
      };
      // JSON: an array of objects, nothing else (a string, number or object here was a 500 before).
      if (!csv && !Array.isArray(body.entries)) throw new AppError('BAD_REQUEST', { field: 'entries' });
      const entries = csv
        ? parseSubscribersCsv(req.body as string)
        : (body.entries as unknown[]).map((e, i) =>
            parseRegistryEntry(
              e !== null && typeof e === 'object' && !Array.isArray(e) ? (e as Record<string, unknown>) : {},
              `entries[${i}]`,
            ),
          );
      const replace = req.query.replace === 'true' || body.replace === true;
      const loaded = await loadPortingRegistry(s, entries, { replace });
      return { loaded };
    },
  );

  app.post<{ Body: { clientId: string; name: string } }>(
    '/api/v1/admin/partners',
    {
      schema: {
        ...ADMIN,
        summary: 'Register a partner; the client secret is shown once',
        body: {
          type: 'object',
          required: ['clientId', 'name'],
          properties: {
            clientId: { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,64}$' },
            name: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (req, reply) => {
      const r = await audited(
        'partner.register',
        (tx) => s.partners.register(req.body.clientId, req.body.name, tx),
        (p) => ({
          clientId: p.clientId,
        }),
      );
      return reply.status(201).send(r);
    },
  );

  app.get(
    '/api/v1/admin/partners',
    { schema: { ...ADMIN, summary: 'List the partners (without secrets)' } },
    async () => ({
      partners: await s.partners.list(),
    }),
  );

  app.delete<{ Params: { clientId: string } }>(
    '/api/v1/admin/partners/:clientId',
    { schema: { ...ADMIN, summary: "Revoke a partner's credentials" } },
    async (req, reply) => {
      await audited(
        'partner.revoke',
        async (tx) => {
          if (!(await s.partners.revoke(req.params.clientId, tx))) throw new AppError('NOT_FOUND');
        },
        () => ({ clientId: req.params.clientId }),
      );
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { phone?: string; actor?: string; limit?: number } }>(
    '/api/v1/admin/audit',
    {
      schema: {
        ...ADMIN,
        summary: 'Read the audit log, newest first, by number or actor',
        querystring: {
          type: 'object',
          properties: {
            phone: { type: 'string' },
            actor: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (req) => ({
      entries: await s.audit.list({ msisdn: req.query.phone, actor: req.query.actor, limit: req.query.limit }),
    }),
  );
}
