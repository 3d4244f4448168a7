// The health-code app's only door.
export { buildHealthCode, type HealthCodeDeps } from './app.ts';
export { DEFAULT_CONFIG, embeddedConfig, HEALTH_CODE_ENV, type HealthCodeConfig, readConfig } from './config.ts';
export { createHttpPartnerClient, type PartnerClient } from './partner/partner-client.ts';
export type { ColourRule } from './rules/colour-rules.ts';
export type { EpidemicArea } from './rules/epidemic-areas.ts';
export type { SmsSender } from './services/auth-service.ts';
export { startHealthCode } from './start.ts';
