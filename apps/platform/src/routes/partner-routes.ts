// Partner API for health-code systems (docs/TEAM-CONTRACTS.md): client
// credentials, consent records, and 7- or 14-day itineraries under consent.
import { AppError, parseInstant, type WindowDays } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import { errorResponses } from './error-handler.ts';
import { itineraryAnswerSchema } from './itinerary-schema.ts';
import { bearerToken, phoneOrThrow } from './phone-input.ts';

export async function partnerRoutes(app: FastifyInstance, s: PlatformServices): Promise<void> {
  app.post<{ Body: { clientId: string; clientSecret: string } }>(
    '/api/v1/partner/token',
    {
      schema: {
        tags: ['partner'],
        summary: 'Client-credentials token for a registered partner',
        body: {
          type: 'object',
          required: ['clientId', 'clientSecret'],
          properties: {
            clientId: { type: 'string', maxLength: 128 },
            clientSecret: { type: 'string', maxLength: 256 },
          },
        },
        response: {
          200: { type: 'object', properties: { accessToken: { type: 'string' }, expiresAt: { type: 'string' } } },
          ...errorResponses('UNAUTHENTICATED'),
        },
      },
    },
    async (req) => {
      // Client secrets are long and random; this only keeps guessing noisy and slow.
      const key = `ip:ptok:${req.ip}`;
      if ((await s.kv.incr(key, 60_000)) > s.options.loginPerIpPerMinute) {
        throw new AppError('TOO_MANY_REQUESTS', {
          retryAfterSeconds: Math.max(1, Math.ceil((await s.kv.ttl(key)) / 1000)),
        });
      }
      return s.partner.issueToken(req.body.clientId, req.body.clientSecret);
    },
  );

  app.post<{ Body: { phone: string; purpose: string; grantedAt: string | number } }>(
    '/api/v1/partner/consents',
    {
      schema: {
        tags: ['partner'],
        summary: "Record the owner's consent: who, for what purpose, when",
        body: {
          type: 'object',
          required: ['phone', 'purpose', 'grantedAt'],
          properties: {
            phone: { type: ['string', 'number'] },
            purpose: { type: 'string', minLength: 1, maxLength: 200 },
            grantedAt: { type: ['string', 'integer'], description: 'ISO-8601 with offset or epoch ms' },
          },
        },
        response: {
          200: { type: 'object', properties: { consentId: { type: 'string' }, expiresAt: { type: 'string' } } },
          ...errorResponses('UNAUTHENTICATED', 'INVALID_PHONE'),
        },
      },
    },
    async (req) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      const msisdn = phoneOrThrow(req.body.phone);
      const grantedAt = parseInstant(String(req.body.grantedAt));
      if (Number.isNaN(grantedAt)) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
      if (req.body.purpose.trim() === '') throw new AppError('BAD_REQUEST', { field: 'purpose' });
      return s.partner.recordConsent(clientId, msisdn, req.body.purpose.trim(), grantedAt);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/partner/consents/:id',
    { schema: { tags: ['partner'], summary: 'Withdraw a consent' } },
    async (req, reply) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      await s.partner.revokeConsent(clientId, req.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { phone: string; days: WindowDays; consentId: string } }>(
    '/api/v1/partner/itinerary',
    {
      schema: {
        tags: ['partner'],
        summary: "A consenting owner's 7- or 14-day itinerary",
        body: {
          type: 'object',
          required: ['phone', 'days', 'consentId'],
          properties: {
            phone: { type: ['string', 'number'] },
            days: { type: 'integer', enum: [7, 14] },
            consentId: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: itineraryAnswerSchema,
          ...errorResponses('UNAUTHENTICATED', 'CONSENT_REQUIRED', 'NO_DATA', 'QUERY_FAILED'),
        },
      },
      config: { outageCode: 'QUERY_FAILED' },
    },
    async (req) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      const msisdn = phoneOrThrow(req.body.phone);
      return s.partner.itinerary(clientId, msisdn, req.body.days, req.body.consentId);
    },
  );
}
