// The one place errors become responses: AppError → its status and
// {error: {code, message, …details}}, schema failures → BAD_REQUEST, the rest → INTERNAL.
import { AppError, errorMessage, isAppError, langFromHeader } from '@itinerary-card/domain';
import type { FastifyError, FastifyInstance } from 'fastify';

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const lang = langFromHeader(req.headers['accept-language']);
    let e: AppError;
    if (isAppError(err)) e = err;
    else if ((err as FastifyError).validation) e = new AppError('BAD_REQUEST', { detail: err.message });
    else if ((err as FastifyError).statusCode === 413) e = new AppError('PAYLOAD_TOO_LARGE');
    else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500)
      e = new AppError('BAD_REQUEST', { detail: err.message });
    else {
      req.log.error({ err }, 'unhandled error');
      e = new AppError('INTERNAL');
    }
    if (e.status >= 500 && e.code !== 'INTERNAL')
      req.log.warn({ code: e.code, cause: (e.cause as Error | undefined)?.message }, 'request failed');
    if (typeof e.details.retryAfterSeconds === 'number')
      reply.header('retry-after', String(e.details.retryAfterSeconds));
    void reply
      .status(e.status)
      .send({ error: { code: e.code, message: errorMessage(e.code, lang, e.details), ...e.details } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: {
        code: 'NOT_FOUND',
        message: errorMessage('NOT_FOUND', langFromHeader(req.headers['accept-language'])),
      },
    });
  });
}
