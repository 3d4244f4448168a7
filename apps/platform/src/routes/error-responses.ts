// The error bodies routes document in the OpenAPI schema (API.md's
// {error:{code,message,…}}); the handler that sends them is packages/ops'
// installErrorHandler, one for every server.
import { AppError, type ErrorCode } from '@itinerary-card/domain';

const errorResponseSchema = {
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
