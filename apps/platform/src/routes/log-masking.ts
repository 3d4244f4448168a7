// Request log lines never carry a full number: any mobile number in the URL
// (e.g. /dev/outbox?phone=…) is masked.
import { maskPhone } from '@itinerary-card/domain';
import type { FastifyServerOptions } from 'fastify';

export function maskedRequest(req: { method: string; url: string; ip?: string }) {
  return { method: req.method, url: req.url.replace(/1[3-9]\d{9}/g, (m) => maskPhone(m)), ip: req.ip };
}

/** Adds the masking request serializer to a Fastify logger option. */
export function withMaskedRequests(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === true) return { serializers: { req: maskedRequest } };
  if (logger && typeof logger === 'object') {
    const l = logger as { serializers?: Record<string, unknown> };
    return {
      ...logger,
      serializers: { req: maskedRequest, ...(l.serializers ?? {}) },
    } as FastifyServerOptions['logger'];
  }
  return logger ?? false;
}
