// The store package's only door: SQL and key-value seams and migrations (the
// test servers are behind `@itinerary-card/store/testing`).
export {
  type ConsumeResult,
  type Counter,
  type KeyValue,
  MemoryKeyValue,
  type OpenKeyValueOptions,
  openKeyValue,
  openRedisKeyValue,
} from './key-value.ts';
export {
  DEFAULT_LOGIN_CODE_LIMITS,
  type IssuedCode,
  type LoginCodeLimits,
  LoginCodes,
  type LoginCodesDeps,
} from './login-codes.ts';
export { type Migration, migrate, migrationsFromDir } from './migrate.ts';
export { RefreshingCache, type RefreshingCacheOptions } from './refreshing-cache.ts';
export { DEFAULT_STORAGE_RETRY_MS } from './retry-window.ts';
export { Secrets } from './secrets.ts';
export { defaultSpoolDir, Spool, type SpoolOptions } from './spool.ts';
export {
  type OpenSqlOptions,
  openPgliteSql,
  openPostgresSql,
  openSql,
  type QueryOptions,
  type Sql,
} from './sql.ts';
export { isSqlOutage, isStorageUnavailable, storageUnavailable } from './storage-outage.ts';
