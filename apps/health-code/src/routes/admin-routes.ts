// The epidemic-prevention office's API (bearer admin token): the epidemic-area
// list, decisions about a holder, key rotation, retention, and the audit trail.
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../repositories/audit-log.ts';
import type { AreaList, NewArea } from '../services/area-list.ts';
import { AuthService } from '../services/auth-service.ts';
import type { PersonService } from '../services/person-service.ts';
import type { VenueService } from '../services/venue-service.ts';

export interface AdminDeps {
  adminToken: string;
  now(): number;
  areas: AreaList;
  people: PersonService;
  audit: AuditLog;
  rotateKeys(): Promise<{ kid: string; nbf: number }>;
  revokeKey(kid: string): Promise<{ revoked: boolean; venuesResigned: number }>;
  revokeVenue(id: string): Promise<boolean>;
  venues: VenueService;
  retention(): Promise<{ checkinsDeleted: number }>;
}

export async function adminRoutes(app: FastifyInstance, d: AdminDeps): Promise<void> {
  const want = Buffer.from(`Bearer ${d.adminToken}`);
  app.addHook('onRequest', async (req) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AppError('FORBIDDEN');
  });

  app.get('/api/hc/v1/admin/epidemic-areas', async () => ({ areas: await d.areas.list() }));

  app.post(
    '/api/hc/v1/admin/epidemic-areas',
    {
      schema: {
        body: {
          type: 'object',
          required: ['scope', 'from'],
          properties: {
            scope: { type: 'string', enum: ['province', 'city', 'abroad'] },
            code: { type: 'string', maxLength: 6 },
            name: { type: 'string', maxLength: 60 },
            from: { type: 'string' },
            to: { type: ['string', 'null'] },
          },
        },
      },
    },
    async (req, reply) => {
      const area = await d.areas.add(req.body as NewArea);
      await d.audit.record({ at: d.now(), actor: 'office', action: 'area.add', subject: area.id, detail: { ...area } });
      const re = await d.people.reevaluateAll();
      void reply.status(201);
      return { area, reevaluated: re };
    },
  );

  app.patch(
    '/api/hc/v1/admin/epidemic-areas/:id',
    { schema: { body: { type: 'object', required: ['to'], properties: { to: { type: ['string', 'null'] } } } } },
    async (req) => {
      const id = (req.params as { id: string }).id;
      await d.areas.end(id, (req.body as { to: string | null }).to);
      return { reevaluated: await d.people.reevaluateAll() };
    },
  );

  app.delete('/api/hc/v1/admin/epidemic-areas/:id', async (req) => {
    await d.areas.remove((req.params as { id: string }).id);
    return { reevaluated: await d.people.reevaluateAll() };
  });

  app.post(
    '/api/hc/v1/admin/decisions',
    {
      schema: {
        body: {
          type: 'object',
          required: ['phone', 'colour', 'reason'],
          properties: {
            phone: { type: 'string' },
            colour: { type: ['string', 'null'], enum: ['red', 'yellow', null] },
            reason: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      const b = req.body as { phone: string; colour: 'red' | 'yellow' | null; reason: string };
      return d.people.decide(AuthService.phoneOf(b.phone), b.colour, b.reason, 'office');
    },
  );

  app.post('/api/hc/v1/admin/keys/rotate', async () => d.rotateKeys());
  app.post('/api/hc/v1/admin/keys/:kid/revoke', async (req) => {
    const r = await d.revokeKey((req.params as { kid: string }).kid);
    if (!r.revoked) throw new AppError('NOT_FOUND');
    return r;
  });
  // Posters whose code was signed again after its key was revoked: they must be reprinted.
  app.get('/api/hc/v1/admin/venues/reprint', async () => ({ venues: await d.venues.reprintList() }));
  app.post('/api/hc/v1/admin/venues/:id/revoke', async (req) => {
    if (!(await d.revokeVenue((req.params as { id: string }).id))) throw new AppError('NOT_FOUND');
    return { revoked: true };
  });
  app.post('/api/hc/v1/admin/retention', async () => d.retention());

  app.get('/api/hc/v1/admin/audit', async (req) => {
    const q = req.query as { limit?: string; action?: string };
    const limit = Math.min(500, Math.max(1, Number(q.limit ?? 100) || 100));
    return { entries: await d.audit.recent(limit, q.action) };
  });
}
