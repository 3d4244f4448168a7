// Fastify plugin of the SMS channel: POST /api/v1/sms/inbound (API.md, the
// HTTP form of deliver_sm) and the transport's inbound messages, both answered
// by one SmsChannel.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, segmentOperator } from '@itinerary-card/domain';
import type { InboundHandler } from '@itinerary-card/sms';
import type { FastifyInstance } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import { errorResponses } from '../routes/error-responses.ts';
import { Secrets } from '../services/secrets.ts';
import { KeyValueRateLimiter, type RateLimiter } from './rate-limiter.ts';
import {
  DEFAULT_INBOUND_LIMIT,
  DEFAULT_QUERY_LIMIT,
  type InboundOutcome,
  type ReplySender,
  SmsChannel,
  type SmsChannelDeps,
} from './sms-channel.ts';

export interface SmsChannelPluginOptions extends Omit<SmsChannelDeps, 'log'> {
  /** The transport whose inbound messages (SMPP deliver_sm) this channel answers; HTTP only when absent. */
  inbound?: { onInbound(handler: InboundHandler): void };
  /** When set, POST /api/v1/sms/inbound requires `Authorization: Bearer <token>` (the SMS gateway's). */
  inboundToken?: string;
  /** false: POST /api/v1/sms/inbound answers SMS_INBOUND_DISABLED (default true). */
  httpInbound?: boolean;
}

interface InboundBody {
  from: string;
  to: string;
  text: string;
}

const inboundSchema = {
  tags: ['sms'],
  summary: 'An SMS a user sent to the operator short code (HTTP form of SMPP deliver_sm)',
  description:
    "CXMYD (full-width letters, any case and spaces accepted) gets the 7-day itinerary back by SMS from the short code that was texted, when that is the code of the sender's own operator (after porting, the operator ported to); to another operator's code the reply (outcome other_operator) names the sender's own. Other texts get a short help reply naming the sender's code. Rate limited per number: over the limit the number is told once and further messages get no reply.",
  body: {
    type: 'object',
    required: ['from', 'to', 'text'],
    additionalProperties: false,
    properties: {
      from: { type: 'string', minLength: 1, maxLength: 32 },
      to: { type: 'string', minLength: 1, maxLength: 21 },
      text: { type: 'string', maxLength: 1600 },
    },
  },
  response: {
    202: {
      type: 'object',
      properties: {
        accepted: { type: 'boolean' },
        outcome: { type: 'string', enum: ['replied', 'help', 'other_operator', 'rate_limited', 'ignored'] },
      },
    },
    ...errorResponses('BAD_REQUEST', 'INVALID_PHONE', 'FORBIDDEN', 'SMS_INBOUND_DISABLED', 'SMS_SEND_FAILED'),
  },
} as const;

export async function smsChannelPlugin(app: FastifyInstance, opts: SmsChannelPluginOptions): Promise<void> {
  const channel = new SmsChannel({ ...opts, log: app.log });
  // Resolves once the reply is queued (the transport acknowledges the MO then); throws when it
  // could not be, so the SMSC offers the MO again.
  opts.inbound?.onInbound(async (m) => {
    await channel.handleInbound(m);
  });
  const expected = opts.inboundToken ? digest(opts.inboundToken) : undefined;
  const open = opts.httpInbound !== false;
  app.post<{ Body: InboundBody }>('/api/v1/sms/inbound', { schema: inboundSchema }, async (req, reply) => {
    if (!open) throw new AppError('SMS_INBOUND_DISABLED');
    if (expected) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), expected)) throw new AppError('FORBIDDEN');
    }
    const outcome: InboundOutcome = await channel.handle(req.body);
    return reply.status(202).send({ accepted: true, outcome });
  });
}

/** The limiter keyed by the number's keyed id: the store never holds the number in a key name. */
function byNumberId(limiter: RateLimiter, ids: Secrets): RateLimiter {
  return { hit: (msisdn) => limiter.hit(ids.numberId(msisdn)) };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The channel wired to the platform: its ItineraryService, limits kept in its
 * KeyValue (shared by replicas), replies through `transport`, whose inbound
 * messages it also answers when it has any (SmppTransport, OutboxTransport).
 */
export async function smsChannelRoutes(
  app: FastifyInstance,
  services: PlatformServices,
  transport: ReplySender & Partial<{ onInbound(handler: InboundHandler): void }>,
  extra: Pick<SmsChannelPluginOptions, 'inboundToken' | 'httpInbound' | 'maxParts'> = {},
): Promise<void> {
  const ids = new Secrets(services.options.secretKey);
  await smsChannelPlugin(app, {
    itinerary: services.itinerary,
    sender: transport,
    inbound: typeof transport.onInbound === 'function' ? (transport as SmsChannelPluginOptions['inbound']) : undefined,
    clock: services.clock,
    // The registry knows where a number was ported; its segment says who issued it otherwise.
    operatorOf: async (msisdn) => (await services.registry.get(msisdn))?.operator ?? segmentOperator(msisdn),
    queryLimiter: byNumberId(new KeyValueRateLimiter(services.kv, DEFAULT_QUERY_LIMIT, 'sms:cxmyd'), ids),
    inboundLimiter: byNumberId(new KeyValueRateLimiter(services.kv, DEFAULT_INBOUND_LIMIT, 'sms:in'), ids),
    ...extra,
  });
}
