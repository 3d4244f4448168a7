// The query platform's only door.
export { buildPlatform, type PlatformDeps } from './build-platform.ts';
export {
  DEFAULT_OPTIONS,
  type NodeEndpoint,
  PLATFORM_ENV,
  type PlatformConfig,
  type PlatformOptions,
  parseUpdateTime,
  readPlatformConfig,
} from './config.ts';
export type { PlatformServices } from './platform-services.ts';
export { type AuditEntry, AuditLog } from './repositories/audit-log.ts';
export { parseSubscribersCsv, type RegistryEntry } from './repositories/porting-registry.ts';
export { NOTES } from './services/answer-notes.ts';
export {
  type Channel,
  type ItineraryAnswer,
  type ItineraryCity,
  ItineraryService,
  type QueryOptions,
} from './services/itinerary-service.ts';
export { loadPortingRegistry } from './services/porting-import.ts';
export { servingDay } from './services/serving-day.ts';
export type { OutboxReader, SmsSender } from './services/sms-sender.ts';
export { type RunningPlatform, startPlatform } from './start-platform.ts';
export { startWorkerPool, type WorkerPool } from './worker-pool.ts';
