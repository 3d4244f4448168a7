// Partner API for health-code systems (docs/TEAM-CONTRACTS.md, API.md): client
// credentials, the owner's SMS confirmation turned into a one-time grant, consent
// records carrying that grant, and 7- or 14-day itineraries under consent.
import { AppError, parseInstant, type WindowDays } from '@itinerary-card/domain';
import { ItineraryAnswerSchema } from '@itinerary-card/domain/wire';
import type { FastifyInstance } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import { errorResponses } from './error-responses.ts';
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

  const purposeOf = (p: string): string => {
    const t = p.trim();
    if (t === '' || t.includes('\0')) throw new AppError('BAD_REQUEST', { field: 'purpose' });
    return t;
  };

  app.post<{ Body: { phone: string; purpose: string } }>(
    '/api/v1/partner/grants/sms-code',
    {
      schema: {
        tags: ['partner'],
        summary: "Send the owner an SMS code that confirms this partner's request (the owner's proof)",
        body: {
          type: 'object',
          required: ['phone', 'purpose'],
          properties: {
            phone: { type: ['string', 'number'] },
            purpose: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              requestId: { type: 'string' },
              resendAfterSeconds: { type: 'integer' },
              expiresAt: { type: 'string' },
            },
          },
          ...errorResponses('UNAUTHENTICATED', 'INVALID_PHONE', 'TOO_MANY_REQUESTS', 'SMS_SEND_FAILED'),
        },
      },
    },
    async (req) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      const msisdn = phoneOrThrow(req.body.phone);
      return s.partner.requestGrantCode(clientId, msisdn, purposeOf(req.body.purpose));
    },
  );

  app.post<{ Body: { phone: string; purpose: string; requestId: string; code: string } }>(
    '/api/v1/partner/grants',
    {
      schema: {
        tags: ['partner'],
        summary: "Exchange the owner's SMS code for a one-time grant bound to partner, number and purpose",
        body: {
          type: 'object',
          required: ['phone', 'purpose', 'requestId', 'code'],
          properties: {
            phone: { type: ['string', 'number'] },
            purpose: { type: 'string', minLength: 1, maxLength: 200 },
            requestId: { type: 'string', maxLength: 64 },
            code: { type: 'string', maxLength: 12 },
          },
        },
        response: {
          200: { type: 'object', properties: { grant: { type: 'string' }, expiresAt: { type: 'string' } } },
          ...errorResponses('UNAUTHENTICATED', 'CODE_INVALID', 'CONSENT_PROOF_INVALID', 'TOO_MANY_ATTEMPTS'),
        },
      },
    },
    async (req) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      const msisdn = phoneOrThrow(req.body.phone);
      return s.partner.confirmGrant(clientId, msisdn, purposeOf(req.body.purpose), req.body.requestId, req.body.code);
    },
  );

  app.post<{ Body: { phone: string; purpose: string; grantedAt: string | number; grant?: string } }>(
    '/api/v1/partner/consents',
    {
      schema: {
        tags: ['partner'],
        summary: "Record the owner's consent: who, for what purpose, when, with the owner's grant",
        body: {
          type: 'object',
          required: ['phone', 'purpose', 'grantedAt'],
          properties: {
            phone: { type: ['string', 'number'] },
            purpose: { type: 'string', minLength: 1, maxLength: 200 },
            grantedAt: { type: ['string', 'integer'], description: 'ISO-8601 with offset or epoch ms' },
            grant: {
              type: 'string',
              maxLength: 1000,
              description: 'from POST /api/v1/partner/grants; without it: 403 CONSENT_PROOF_REQUIRED',
            },
          },
        },
        response: {
          200: { type: 'object', properties: { consentId: { type: 'string' }, expiresAt: { type: 'string' } } },
          ...errorResponses('UNAUTHENTICATED', 'INVALID_PHONE', 'CONSENT_PROOF_REQUIRED', 'TOO_MANY_REQUESTS'),
        },
      },
    },
    async (req) => {
      const clientId = await s.partner.partnerOf(bearerToken(req.headers.authorization));
      const msisdn = phoneOrThrow(req.body.phone);
      const grantedAt = parseInstant(String(req.body.grantedAt));
      if (Number.isNaN(grantedAt)) throw new AppError('BAD_REQUEST', { field: 'grantedAt' });
      return s.partner.recordConsent(clientId, msisdn, purposeOf(req.body.purpose), grantedAt, req.body.grant);
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
          200: ItineraryAnswerSchema,
          ...errorResponses('UNAUTHENTICATED', 'CONSENT_REQUIRED', 'NO_DATA', 'TOO_MANY_REQUESTS', 'QUERY_FAILED'),
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
