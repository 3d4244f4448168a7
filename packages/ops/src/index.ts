// The ops kit's only door: the Fastify plugins every server registers and the environment reader.
export {
  configError,
  configErrorText,
  Env,
  type EnvSection,
  type EnvSource,
  envExample,
  LOG_LEVELS,
  readEnv,
  SERVE_DRAIN_MS,
  trustProxyFrom,
} from './env-schema.ts';
export { type ErrorHandlerOptions, installErrorHandler } from './error-handler.ts';
export { maskedLogger, maskingStream } from './log-masking.ts';
export { installOpsKit, type OpsKitOptions, type ReadinessCheck } from './ops-kit.ts';
export { installRequestMetrics, RequestMetrics } from './request-metrics.ts';
export { installSmsMetrics, type SmsLinkStats, type SmsMetricsSource } from './sms-metrics.ts';
export type { SpoolStats } from './spool-metrics.ts';
