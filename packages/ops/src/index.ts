export { maskedLogger, maskedRequest, maskingStream, maskSensitive } from './log-masking.ts';
export { DEFAULT_BUCKETS, installRequestMetrics, RequestMetrics } from './request-metrics.ts';
export { installSpoolMetrics, type SpoolStats } from './spool-metrics.ts';
