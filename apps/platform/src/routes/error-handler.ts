// The one place errors become responses: AppError → its status and
// {error:{code,message,…details}} (English with Accept-Language: en), schema
// validation and malformed requests → BAD_REQUEST, anything else → 500 INTERNAL,
// logged. An unknown address opened in a browser gets a page with a link home.
import { AppError, type ErrorCode, errorMessage, isAppError, langFromHeader } from '@itinerary-card/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundPage, wantsHtml } from './not-found-page.ts';

export function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const lang = langFromHeader(req.headers['accept-language']);
  const body: Record<string, unknown> = {
    code: err.code,
    message: errorMessage(err.code, lang, err.details),
    ...err.details,
  };
  if (typeof err.details.retryAfterSeconds === 'number')
    reply.header('retry-after', String(err.details.retryAfterSeconds));
  return reply.status(err.status).send({ error: body });
}

function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation) return new AppError('BAD_REQUEST', { detail: err.message });
  const status = err.statusCode ?? 500;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 429) return new AppError('TOO_MANY_REQUESTS');
  if (status >= 400 && status < 500) return new AppError('BAD_REQUEST', { detail: err.message });
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The documented error this route answers in a storage outage instead of
     * STORAGE_UNAVAILABLE (the itinerary routes: QUERY_FAILED, as API.md says).
     */
    outageCode?: ErrorCode;
  }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err) && err.code === 'STORAGE_UNAVAILABLE') {
      const cause = (err.cause as Error | undefined)?.message;
      req.log.warn({ code: err.code, cause }, 'storage unavailable');
      const as = req.routeOptions.config.outageCode;
      return sendError(req, reply, as ? new AppError(as, {}, { cause: err }) : err);
    }
    if (isAppError(err)) {
      if (err.status >= 500) req.log.warn({ code: err.code }, 'service unavailable');
      return sendError(req, reply, err);
    }
    const mapped = fromFastify(err);
    if (mapped) return sendError(req, reply, mapped);
    req.log.error({ err }, 'unexpected error');
    return sendError(req, reply, new AppError('INTERNAL'));
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && wantsHtml(req)) {
      const lang = langFromHeader(req.headers['accept-language']);
      return reply.status(404).type('text/html; charset=utf-8').send(notFoundPage(lang));
    }
    return sendError(req, reply, new AppError('NOT_FOUND'));
  });
}

export const errorResponseSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        retryAfterSeconds: { type: 'integer' },
        notes: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: true,
    },
  },
} as const;

/** Response schemas for the error codes a route documents. */
export function errorResponses(...codes: ErrorCode[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const c of codes)
    out[new AppError(c).status] = {
      ...errorResponseSchema,
      description: codes.filter((x) => new AppError(x).status === new AppError(c).status).join(', '),
    };
  return out;
}
