// The CXMYD channel: an SMS to an operator's short code (SMPP deliver_sm or
// POST /api/v1/sms/inbound) becomes an itinerary query whose answer goes back
// by SMS from the short code that was texted; each operator's code answers its
// own subscribers (others are told their operator's code); limited per number.
import {
  AppError,
  type Clock,
  checkPhone,
  isAppError,
  maskPhone,
  OPERATOR_INFO,
  type Operator,
  segmentOperator,
} from '@itinerary-card/domain';
import type { InboundSms } from '@itinerary-card/sms';
import { MemoryKeyValue } from '@itinerary-card/store';
import { parseCommand } from './keyword.ts';
import { KeyValueRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.ts';
import {
  errorReply,
  helpReply,
  itineraryReply,
  otherOperatorReply,
  rateLimitedReply,
  type SmsItineraryAnswer,
} from './reply-text.ts';

/** The seam to the platform's ItineraryService (services/itinerary-service.ts). */
export interface ItineraryQuery {
  query(msisdn: string, opts: { days: 7; channel: 'sms' }): Promise<SmsItineraryAnswer>;
}

/** What the channel needs of an SMS transport to reply (packages/sms `SmsTransport` fits). */
export interface ReplySender {
  send(msg: { to: string; text: string; from?: string }): Promise<{ id: string }>;
  /** True while the transport refuses sends at once (SMPP: not bound after a failed connect). */
  readonly isLinkDown?: boolean;
}

export interface ChannelLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SmsChannelDeps {
  itinerary: ItineraryQuery;
  sender: ReplySender;
  clock: Clock;
  log: ChannelLogger;
  /** CXMYD queries per number (default 5 per 10 minutes, counted in memory). */
  queryLimiter?: RateLimiter;
  /** Every inbound message per number, replies to unknown keywords included (default 10 per 10 minutes). */
  inboundLimiter?: RateLimiter;
  /** Longest reply in concatenated parts (default 4). */
  maxParts?: number;
  /** Addresses the channel answers on; an extension after one of them is accepted (default 10086, 10010, 10000). */
  shortCodes?: readonly string[];
  /**
   * The operator serving a number today (after porting, the one it ported to); undefined when
   * unknown (an MVNO number not in the registry), which any code answers. Default: its segment.
   */
  operatorOf?: (msisdn: string) => Promise<Operator | undefined>;
}

/**
 * replied: an itinerary or error answer was sent; help: an unknown keyword got the help text;
 * other_operator: another operator's code was texted, the reply names the sender's own;
 * rate_limited: over the limit (told once per window); ignored: not for this channel.
 */
export type InboundOutcome = 'replied' | 'help' | 'other_operator' | 'rate_limited' | 'ignored';

/** How long `handleInbound` waits for a reply to be queued: sent is not required, queued is. */
type ReplyWait = 'sent' | 'queued';

export const DEFAULT_QUERY_LIMIT = { limit: 5, windowMs: 10 * 60_000 };
export const DEFAULT_INBOUND_LIMIT = { limit: 10, windowMs: 10 * 60_000 };
const DEFAULT_SHORT_CODES = Object.values(OPERATOR_INFO).map((o) => o.shortCode);

export class SmsChannel {
  private readonly queryLimiter: RateLimiter;
  private readonly inboundLimiter: RateLimiter;
  private readonly maxParts: number;
  private readonly shortCodes: readonly string[];
  private readonly operatorOf: (msisdn: string) => Promise<Operator | undefined>;

  constructor(private readonly deps: SmsChannelDeps) {
    // Without limiters from the caller (tests, the benchmark), the same limiter on an in-memory store.
    const counters = deps.queryLimiter && deps.inboundLimiter ? undefined : new MemoryKeyValue(() => deps.clock.now());
    this.queryLimiter = deps.queryLimiter ?? new KeyValueRateLimiter(counters!, DEFAULT_QUERY_LIMIT, 'sms:cxmyd');
    this.inboundLimiter = deps.inboundLimiter ?? new KeyValueRateLimiter(counters!, DEFAULT_INBOUND_LIMIT, 'sms:in');
    this.maxParts = deps.maxParts ?? 4;
    this.shortCodes = deps.shortCodes ?? DEFAULT_SHORT_CODES;
    this.operatorOf = deps.operatorOf ?? (async (msisdn) => segmentOperator(msisdn));
  }

  /** Whether `to` is one of the channel's short codes (optionally with an extension). */
  isShortCode(to: string): boolean {
    return /^\d+$/.test(to) && this.shortCodes.some((c) => to.startsWith(c));
  }

  /**
   * Checks the addresses (INVALID_PHONE / UNSUPPORTED_NUMBER for the sender,
   * BAD_REQUEST for an address that is not a short code) and answers.
   * Throws SMS_SEND_FAILED when the reply could not be sent.
   */
  async handle(m: InboundSms): Promise<InboundOutcome> {
    return this.respond(m, 'sent');
  }

  /**
   * For transports (SMPP deliver_sm): resolves once the reply is queued on the transport, so
   * the MO can be acknowledged then; a message that is not for this channel is 'ignored' (a
   * handset cannot be told about a 400). Throws when the reply cannot be queued (the sender's
   * link is down: the transport then asks the SMSC to offer the MO again); a later failure is logged.
   */
  async handleInbound(m: InboundSms): Promise<InboundOutcome> {
    try {
      return await this.respond(m, 'queued');
    } catch (e) {
      const code = isAppError(e) ? e.code : 'INTERNAL';
      if (code === 'SMS_SEND_FAILED' || code === 'INTERNAL') throw e;
      this.deps.log.warn({ from: maskPhone(m.from), to: m.to, code }, 'sms channel: inbound message not answered');
      return 'ignored';
    }
  }

  private async respond(m: InboundSms, wait: ReplyWait): Promise<InboundOutcome> {
    const sender = checkPhone(m.from);
    if (!sender.ok) throw new AppError(sender.reason === 'overseas' ? 'UNSUPPORTED_NUMBER' : 'INVALID_PHONE');
    const to = m.to.trim();
    if (!this.isShortCode(to)) throw new AppError('BAD_REQUEST', { detail: 'to is not a short code of this service' });
    const msisdn = sender.msisdn;

    const inbound = await this.inboundLimiter.hit(msisdn);
    if (!inbound.allowed) return this.limited(msisdn, to, inbound, 'inbound', wait);
    // Who serves the number: when that cannot be told (the registry is unreachable), any code
    // answers rather than none.
    const own = await this.operatorOf(msisdn).catch((e: unknown) => {
      this.deps.log.warn(
        { from: maskPhone(msisdn), err: e instanceof Error ? e.message : String(e) },
        'sms channel: operator unknown',
      );
      return undefined;
    });
    const ownCode = own ? OPERATOR_INFO[own].shortCode : undefined;
    if (parseCommand(m.text) === 'help') {
      await this.reply(msisdn, to, helpReply(ownCode ?? to), wait);
      return 'help';
    }
    if (own && ownCode && !to.startsWith(ownCode)) {
      // Another operator's code: it has no data on this subscriber (and must not answer for it).
      this.deps.log.info({ from: maskPhone(msisdn), to, operator: own }, 'sms channel: another operator texted');
      await this.reply(msisdn, to, otherOperatorReply(own), wait);
      return 'other_operator';
    }
    const q = await this.queryLimiter.hit(msisdn);
    if (!q.allowed) return this.limited(msisdn, to, q, 'query', wait);
    await this.reply(msisdn, to, await this.answer(msisdn), wait);
    return 'replied';
  }

  private async answer(msisdn: string): Promise<string> {
    const phone = maskPhone(msisdn);
    try {
      const a = await this.deps.itinerary.query(msisdn, { days: 7, channel: 'sms' });
      return itineraryReply(a, this.maxParts);
    } catch (e) {
      if (isAppError(e)) {
        const notes = Array.isArray(e.details.notes) ? e.details.notes.filter((n) => typeof n === 'string') : [];
        // A limit or failure inside the query is still an answer the user should get, never silence.
        return errorReply(e.code === 'INTERNAL' ? 'QUERY_FAILED' : e.code, phone, notes, this.maxParts);
      }
      this.deps.log.error(
        { from: phone, err: e instanceof Error ? e.message : String(e) },
        'sms channel: query failed',
      );
      return errorReply('QUERY_FAILED', phone, [], this.maxParts);
    }
  }

  private async limited(
    msisdn: string,
    to: string,
    d: RateDecision,
    which: string,
    wait: ReplyWait,
  ): Promise<InboundOutcome> {
    this.deps.log.info({ from: maskPhone(msisdn), which }, 'sms channel: rate limited');
    // Told once, at the first message over the limit: a reply to every excess message would
    // let anyone turn the channel into an SMS flood (and loop with auto-responders).
    if (d.count === d.limit + 1) await this.reply(msisdn, to, rateLimitedReply(d.retryAfterMs), wait);
    return 'rate_limited';
  }

  private async reply(msisdn: string, from: string, text: string, wait: ReplyWait): Promise<void> {
    // A transport that refuses sends now cannot queue the reply: the MO is to be offered again.
    if (wait === 'queued' && this.deps.sender.isLinkDown) {
      this.deps.log.warn({ to: maskPhone(msisdn) }, 'sms channel: reply not queued, the SMS link is down');
      throw new AppError('SMS_SEND_FAILED', { reason: 'not bound to the SMSC' });
    }
    const sending = this.deps.sender.send({ to: msisdn, from, text }).catch((e: unknown) => {
      this.deps.log.warn(
        { to: maskPhone(msisdn), code: isAppError(e) ? e.code : undefined },
        'sms channel: reply not sent',
      );
      throw isAppError(e) && e.code === 'SMS_SEND_FAILED' ? e : new AppError('SMS_SEND_FAILED', {}, { cause: e });
    });
    if (wait === 'sent') {
      await sending;
      return;
    }
    // Queued: the transport took it (send() queues at once); how it ends is logged above.
    sending.catch(() => {});
  }
}
