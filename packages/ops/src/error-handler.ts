// The one place errors become responses, for every server: AppError → its
// status and {error:{code,message,…details}} (Chinese, English with
// Accept-Language: en), Fastify's own errors to the code of their status
// (validation → BAD_REQUEST, 404 → NOT_FOUND, 413 → PAYLOAD_TOO_LARGE,
// 429 → TOO_MANY_REQUESTS), anything else → 500 INTERNAL, logged.
import { AppError, type ErrorCode, errorMessage, isAppError, type Lang, langFromHeader } from '@itinerary-card/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The documented error this route answers in a storage outage instead of
     * STORAGE_UNAVAILABLE (the itinerary routes: QUERY_FAILED, as API.md says).
     */
    outageCode?: ErrorCode;
  }
}

export interface ErrorHandlerOptions {
  /** A page for an unknown address opened in a browser (GET, Accept: text/html); JSON otherwise. */
  notFoundHtml?: (lang: Lang) => string;
}

/** Answers `err` as the error body of API.md, with `Retry-After` when the error says how long to wait. */
function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const lang = langFromHeader(req.headers['accept-language']);
  const body = { code: err.code, message: errorMessage(err.code, lang, err.details), ...err.details };
  if (typeof err.details.retryAfterSeconds === 'number')
    reply.header('retry-after', String(err.details.retryAfterSeconds));
  return reply.status(err.status).send({ error: body });
}

/** Fastify's own errors (schema validation, body parser, plugins' http errors) as AppErrors by status. */
function fromFastifyError(err: FastifyError): AppError | undefined {
  if (err.validation) return new AppError('BAD_REQUEST', { detail: err.message });
  const status = err.statusCode ?? 500;
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (status === 429) return new AppError('TOO_MANY_REQUESTS');
  if (status >= 400 && status < 500) return new AppError('BAD_REQUEST', { detail: err.message });
  return undefined;
}

function wantsHtml(req: FastifyRequest): boolean {
  return /text\/html/.test(req.headers.accept ?? '');
}

/** Call on the root instance before routes are registered. */
export function installErrorHandler(app: FastifyInstance, o: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      if (err.code === 'STORAGE_UNAVAILABLE') {
        req.log.warn({ code: err.code, cause: (err.cause as Error | undefined)?.message }, 'storage unavailable');
        const as = req.routeOptions.config?.outageCode;
        return sendError(req, reply, as ? new AppError(as, {}, { cause: err }) : err);
      }
      if (err.status >= 500 && err.code !== 'INTERNAL')
        req.log.warn({ code: err.code, cause: (err.cause as Error | undefined)?.message }, 'service unavailable');
      return sendError(req, reply, err);
    }
    const mapped = fromFastifyError(err);
    if (mapped) return sendError(req, reply, mapped);
    req.log.error({ err }, 'unexpected error');
    return sendError(req, reply, new AppError('INTERNAL'));
  });
  app.setNotFoundHandler((req, reply) => {
    if (o.notFoundHtml && req.method === 'GET' && wantsHtml(req)) {
      const lang = langFromHeader(req.headers['accept-language']);
      return reply.status(404).type('text/html; charset=utf-8').send(o.notFoundHtml(lang));
    }
    return sendError(req, reply, new AppError('NOT_FOUND'));
  });
}
