export { DEFAULT_BUCKETS, installRequestMetrics, RequestMetrics } from './request-metrics.ts';
