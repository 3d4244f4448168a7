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
export { type ErrorHandlerOptions, fromFastifyError, installErrorHandler, sendError } from './error-handler.ts';
export { hasNul, installInputGuard } from './input-guard.ts';
export { maskedLogger, maskedRequest, maskingStream, maskSensitive } from './log-masking.ts';
export { installOpsKit, type OpsKitOptions, outageText, type ReadinessCheck, runChecks } from './ops-kit.ts';
export { DEFAULT_BUCKETS, installRequestMetrics, RequestMetrics } from './request-metrics.ts';
export { CONTENT_SECURITY_POLICY, installSecurityHeaders, SECURITY_HEADERS } from './security-headers.ts';
export { installSmsMetrics, type SmsLinkStats, type SmsMetricsSource } from './sms-metrics.ts';
export { installSpoolMetrics, type SpoolStats } from './spool-metrics.ts';
