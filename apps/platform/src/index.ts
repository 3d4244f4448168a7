// The query platform's only door.
export { buildPlatform, type PlatformDeps } from './build-platform.ts';
export {
  DEFAULT_OPTIONS,
  type NodeEndpoint,
  PLATFORM_ENV,
  type PlatformConfig,
  type PlatformOptions,
  readPlatformConfig,
} from './config.ts';
export type { PlatformServices } from './platform-services.ts';
export { type AuditEntry, AuditLog } from './repositories/audit-log.ts';
export type { RegistryEntry } from './repositories/porting-registry.ts';
export type { Channel, QueryOptions } from './services/itinerary-service.ts';
export { NodeClient, type NodeClientOptions } from './services/node-client.ts';
export { loadPortingRegistry } from './services/porting-import.ts';
export { servingDay } from './services/serving-day.ts';
export type { OutboxReader, SmsSender } from './services/sms-sender.ts';
export { type ItineraryQuery, SmsChannel } from './sms-channel/sms-channel.ts';
export { type RunningPlatform, startPlatform } from './start-platform.ts';
