// The development SMS outbox (API.md GET /dev/outbox), only when the outbox
// transport is configured.
import { AppError, checkPhone } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';
import type { OutboxReader } from '../services/sms-sender.ts';

export async function devRoutes(app: FastifyInstance, outbox: OutboxReader): Promise<void> {
  app.get<{ Querystring: { phone?: string } }>(
    '/dev/outbox',
    {
      schema: {
        tags: ['development'],
        summary: 'Messages sent through the development SMS outbox, newest last',
        querystring: { type: 'object', properties: { phone: { type: 'string' } } },
      },
    },
    async (req) => {
      let phone: string | undefined;
      if (req.query.phone !== undefined) {
        const r = checkPhone(req.query.phone);
        if (!r.ok) throw new AppError('INVALID_PHONE');
        phone = r.msisdn;
      }
      // `from`: the short code a CXMYD reply answers, or the sender of login codes.
      return outbox.list(phone).map((m) => ({ to: m.to, from: m.from, text: m.text, sentAt: m.sentAt }));
    },
  );
}
