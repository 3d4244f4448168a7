// The owner's itinerary (API.md GET /api/v1/itinerary).
import { AppError, langFromHeader, parseInstant } from '@itinerary-card/domain';
import { type ItineraryAnswer, ItineraryAnswerSchema } from '@itinerary-card/domain/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import type { QueryOptions } from '../services/itinerary-service.ts';
import { errorResponses } from './error-responses.ts';
import { bearerToken } from './phone-input.ts';

const DOC_HEADERS = {
  type: 'object',
  properties: { 'x-client-time': { type: 'string' }, authorization: { type: 'string' } },
} as const;

export async function itineraryRoutes(app: FastifyInstance, s: PlatformServices): Promise<void> {
  // The service hands out the same (frozen) answer until its inputs change:
  // serialise it once, with the route's own response serializer, as UTF-8
  // bytes (a string body is measured and encoded again on every write).
  const bodies = new WeakMap<object, Buffer>();
  const send = (reply: FastifyReply, answer: ItineraryAnswer): void => {
    let body = bodies.get(answer);
    if (body === undefined) {
      body = Buffer.from(reply.getSerializationFunction('200')!(answer as unknown as Record<string, unknown>));
      bodies.set(answer, body);
    }
    reply.type('application/json; charset=utf-8').send(body);
  };
  const options = (req: FastifyRequest): QueryOptions => {
    const raw = req.headers['x-client-time'];
    const clientTime = typeof raw === 'string' ? parseInstant(raw) : Number.NaN;
    if (Number.isNaN(clientTime)) throw new AppError('ILLEGAL_ACCESS');
    return { days: 7, channel: 'web', clientTime, lang: langFromHeader(req.headers['accept-language']) };
  };
  const slow = async (req: FastifyRequest, reply: FastifyReply, token: string | undefined): Promise<void> => {
    const msisdn = await s.login.sessionNumber(token);
    send(reply, await s.itinerary.query(msisdn, options(req)));
  };
  app.get(
    '/api/v1/itinerary',
    {
      schema: {
        tags: ['itinerary'],
        summary: "The logged-in owner's 7-day itinerary card",
        description:
          'Needs `Authorization: Bearer <token>` and `X-Client-Time` (the phone clock, ISO-8601 or epoch ms); a clock more than the allowed skew (5 min by default) away from Beijing time, or a missing one, gets ILLEGAL_ACCESS. An operator node that is down or slow gives QUERY_FAILED (503) within 3 s, never a 500.',
        response: {
          200: ItineraryAnswerSchema,
          ...errorResponses('UNAUTHENTICATED', 'ILLEGAL_ACCESS', 'NO_DATA', 'QUERY_FAILED'),
        },
      },
      // The headers are checked by the handler; a headers schema would only be
      // documentation, and Fastify copies every request's headers to validate one.
      config: {
        outageCode: 'QUERY_FAILED',
        swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, headers: DOC_HEADERS }, url }),
      },
    },
    // Not an async function: when the session, registry row, node answer and
    // risk areas are all in memory (nearly every query) the card is made without
    // a promise and sent once its audit entry is durable (the group commit);
    // otherwise the same steps run with awaits. A throw here or a rejection
    // there reaches the error handler alike.
    (req, reply) => {
      const token = bearerToken(req.headers.authorization);
      const msisdn = s.login.cachedSessionNumber(token);
      if (msisdn !== undefined) {
        const answer = s.itinerary.cachedQuery(msisdn, options(req));
        if (answer !== undefined) return s.audit.durable().then(() => send(reply, answer));
      }
      return slow(req, reply, token);
    },
  );
}
