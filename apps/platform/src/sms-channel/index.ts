// The SMS channel (issue 5): CXMYD to an operator short code → itinerary by SMS.
export { ITINERARY_KEYWORD, normaliseKeyword, parseCommand, type SmsCommand } from './keyword.ts';
export {
  type CounterStore,
  KeyValueRateLimiter,
  MemoryRateLimiter,
  type RateDecision,
  type RateLimit,
  type RateLimiter,
} from './rate-limiter.ts';
export {
  errorReply,
  helpReply,
  itineraryReply,
  otherOperatorReply,
  placeName,
  REPLY_PREFIX,
  rateLimitedReply,
  replyCapacity,
  type SmsItineraryAnswer,
} from './reply-text.ts';
export {
  type ChannelLogger,
  DEFAULT_INBOUND_LIMIT,
  DEFAULT_QUERY_LIMIT,
  DEFAULT_SHORT_CODES,
  type InboundOutcome,
  type ItineraryQuery,
  type ReplySender,
  SmsChannel,
  type SmsChannelDeps,
} from './sms-channel.ts';
export { type SmsChannelPluginOptions, smsChannelPlugin, smsChannelRoutes } from './sms-channel-plugin.ts';
