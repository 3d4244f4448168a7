// Everything the platform's routes (and plugins such as the SMS channel) use,
// built once from the deps by buildPlatform and exposed as `app.platform`.
import type { Clock, Operator } from '@itinerary-card/domain';
import type { KeyValue, Sql } from '@itinerary-card/store';
import type { PlatformOptions } from './config.ts';
import type { AuditLog } from './repositories/audit-log.ts';
import type { Partners } from './repositories/partners.ts';
import type { PortingRegistry } from './repositories/porting-registry.ts';
import type { RiskAreas } from './repositories/risk-areas.ts';
import type { ItineraryService } from './services/itinerary-service.ts';
import type { LoginService } from './services/login-service.ts';
import type { NodeClient } from './services/node-client.ts';
import type { PartnerService } from './services/partner-service.ts';
import type { SmsSender } from './services/sms-sender.ts';

export interface PlatformServices {
  options: PlatformOptions;
  clock: Clock;
  sql: Sql;
  kv: KeyValue;
  sms: SmsSender;
  login: LoginService;
  itinerary: ItineraryService;
  partner: PartnerService;
  registry: PortingRegistry;
  riskAreas: RiskAreas;
  partners: Partners;
  audit: AuditLog;
  nodes: Partial<Record<Operator, NodeClient>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: PlatformServices;
  }
}
