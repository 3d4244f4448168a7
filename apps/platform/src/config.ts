// Platform configuration: defaults, read once from the environment, validated;
// a bad value stops start-up with a message naming the variable.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { AppError, OPERATORS, type Operator, parseTimeOfDay } from '@itinerary-card/domain';
import {
  DEFAULT_LOGIN_CODE_LIMITS,
  DEFAULT_STORAGE_RETRY_MS,
  defaultSpoolDir,
  type LoginCodeLimits,
} from '@itinerary-card/store';

export interface NodeEndpoint {
  /** Base URL of the operator node (http:// or https://). */
  url: string;
  /** The node id: audience of the service tokens sent to it. */
  nodeId: string;
  /** Client certificate, key and CA for mTLS to the node. */
  tls?: { cert?: string; key?: string; ca?: string };
  /**
   * Shards behind the URL (a proxy routing by subscriberShard): one circuit
   * breaker per shard, so a dead shard fails its own numbers only. 1 by default.
   */
  shards?: number;
}

/** Login codes and their limits (`LoginCodeLimits`, shared with the health-code system) and the rest. */
export interface PlatformOptions extends LoginCodeLimits {
  /** Allowed difference between the phone's clock and Beijing time (ms). */
  clockSkewMs: number;
  /** Daily update time, ms after 00:00 Beijing time (08:00 by default). */
  updateTimeMs: number;
  /** Countries/regions that do not turn the card yellow (mainland is never listed). */
  greenCountries: string[];
  /** A number ported within this many days before the query day gets the 1-2 day delay note. */
  portingNoteDays: number;
  sessionTtlMs: number;
  deviceTtlMs: number;
  partnerTokenTtlMs: number;
  consentTtlMs: number;
  /** Owner confirmation codes a partner may have sent to one number (all partners together). */
  partnerCodesPerNumberPerHour: number;
  partnerCodesPerNumberPerDay: number;
  /** Lifetime of the one-time grant the owner's code turns into. */
  partnerGrantTtlMs: number;
  /** Calls one partner may make per minute, all numbers together. */
  partnerPerMinute: number;
  /** Itinerary reads one partner may make per number per hour. */
  partnerReadsPerNumberPerHour: number;
  /** Per-call timeout to an operator node. */
  nodeTimeoutMs: number;
  /** Whole-query deadline: the user hears QUERY_FAILED within this. */
  queryDeadlineMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
  /** HMAC key for SMS codes, sessions and device tokens at rest. */
  secretKey: string;
  /** Shared secret of service tokens to operator nodes. */
  serviceSecret: string;
  /** Bearer token of the admin API; the admin API is off when empty. */
  adminToken: string;
  /** Built web pages (packages/web/dist). */
  webDist?: string;
  /** Cache lifetime of porting-registry rows and risk areas read from SQL. */
  cacheTtlMs: number;
  /**
   * How long a node's answer for (number, window, day, route) is reused; 0
   * turns the cache off. A day's snapshot never changes once published, an
   * answer from an older snapshot is not kept, and a number that changes
   * operator gets a new key: a long life loses nothing.
   */
  answerCacheMs: number;
  /**
   * How long a process keeps a session it has looked up, so a query needs no
   * round trip to Redis. A logout reaches every process at once (published on
   * the store), so this only bounds how long a process that lost its link to
   * the store may go on accepting a session ended meanwhile. 0: always ask.
   */
  sessionCacheMs: number;
  /**
   * The SMS gateway's bearer token for POST /api/v1/sms/inbound
   * (PLATFORM_SMS_INBOUND_TOKEN); '' refuses the HTTP form unless `smsInboundOpen`.
   */
  smsInboundToken: string;
  /**
   * Accept POST /api/v1/sms/inbound from anyone, taking its `from` on trust:
   * the demo's outbox only, never set from the environment.
   */
  smsInboundOpen: boolean;
}

export const DEFAULT_OPTIONS: Omit<PlatformOptions, 'secretKey' | 'serviceSecret' | 'adminToken'> = {
  clockSkewMs: 5 * 60_000,
  updateTimeMs: 8 * 3_600_000,
  greenCountries: ['HK', 'MO', 'TW'],
  portingNoteDays: 2,
  ...DEFAULT_LOGIN_CODE_LIMITS,
  sessionTtlMs: 30 * 60_000,
  deviceTtlMs: 30 * 86_400_000,
  partnerTokenTtlMs: 3_600_000,
  consentTtlMs: 86_400_000,
  partnerCodesPerNumberPerHour: 5,
  partnerCodesPerNumberPerDay: 10,
  partnerGrantTtlMs: 10 * 60_000,
  partnerPerMinute: 600,
  partnerReadsPerNumberPerHour: 20,
  nodeTimeoutMs: 1_200,
  queryDeadlineMs: 2_500,
  breakerFailures: 5,
  breakerOpenMs: 10_000,
  cacheTtlMs: 30_000,
  answerCacheMs: 300_000,
  sessionCacheMs: 30_000,
  smsInboundToken: '',
  smsInboundOpen: false,
};

export interface PlatformConfig {
  host: string;
  port: number;
  databaseUrl?: string;
  dataDir?: string;
  redisUrl?: string;
  nodes: Partial<Record<Operator, NodeEndpoint>>;
  /** `outbox` enables /dev/outbox; `smpp` uses the SMPP transport (SMPP_* variables). */
  sms: 'outbox' | 'smpp';
  /** SMPP_* variables, read by packages/sms when `sms` is `smpp`. */
  smppEnv: Record<string, string | undefined>;
  options: PlatformOptions;
  /** Processes answering on the port (PLATFORM_WORKERS); more than one needs Redis and PostgreSQL. */
  workers: number;
  /** PLATFORM_TRUST_PROXY: whose X-Forwarded-For gives the client address (per-IP limits). */
  trustProxy: boolean | number | string;
  /** PLATFORM_LOG_LEVEL: fatal, error, warn, info (default), debug, trace. */
  logLevel: string;
  /** PLATFORM_REQUEST_LOG=off drops the line per request (busy sites rely on /metrics). */
  requestLog: boolean;
  /** PLATFORM_STORAGE_TIMEOUT_MS: limit on a PostgreSQL query or connect and a Redis command (outages fail fast). */
  storageTimeoutMs: number;
  /**
   * PLATFORM_STORAGE_RETRY_MS: how long requests wait for PostgreSQL or Redis to
   * come back in an outage (a restart) before STORAGE_UNAVAILABLE / QUERY_FAILED;
   * counted from the outage's first failure, 0: no wait.
   */
  storageRetryMs: number;
  /**
   * PLATFORM_SPOOL_DIR: where audit entries wait on local disk while PostgreSQL
   * is down (with DATABASE_URL; by default a folder under the system's temporary
   * directory named after the database). Null with embedded storage.
   */
  spoolDir: string | null;
  /** PLATFORM_SPOOL_MAX_MB: bound of the spool; past it reads are refused (QUERY_FAILED), not left unaudited. */
  spoolMaxBytes: number;
}

function fail(variable: string, why: string): never {
  throw new AppError('CONFIG_INVALID', { variable }, { cause: new Error(`${variable}: ${why}`) });
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(name, `must be an integer >= ${min}`);
  return n;
}

/**
 * PLATFORM_TRUST_PROXY: empty or `false` (the connecting address is the
 * client), `true` (any proxy), a hop count, or comma-separated proxy
 * addresses / CIDRs.
 */
export function parseTrustProxy(raw: string): boolean | number | string {
  const v = raw.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const items = v.split(',').map((x) => x.trim());
  const ok = (x: string) => {
    const [addr, bits, extra] = x.split('/');
    if (extra !== undefined || !addr || isIP(addr) === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(addr) === 4 ? 32 : 128;
    return /^\d+$/.test(bits) && Number(bits) <= max;
  };
  if (!items.every(ok))
    fail('PLATFORM_TRUST_PROXY', 'true, false, a hop count, or proxy addresses/CIDRs separated by commas');
  return items.join(',');
}

/** `08:00` → ms after midnight. */
export function parseUpdateTime(s: string, variable = 'PLATFORM_UPDATE_TIME'): number {
  const ms = parseTimeOfDay(s);
  if (Number.isNaN(ms)) fail(variable, 'must be HH:MM');
  return ms;
}

export function readPlatformConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const secretKey = env.PLATFORM_SECRET_KEY ?? '';
  if (secretKey.length < 16) fail('PLATFORM_SECRET_KEY', 'must be at least 16 characters');
  const serviceSecret = env.PLATFORM_SERVICE_SECRET ?? '';
  if (serviceSecret.length < 16) fail('PLATFORM_SERVICE_SECRET', 'must be at least 16 characters');
  const nodes: Partial<Record<Operator, NodeEndpoint>> = {};
  for (const op of OPERATORS) {
    const name = `PLATFORM_NODE_${op.toUpperCase()}`;
    const url = env[name];
    if (!url) continue;
    if (!/^https?:\/\/[^/]+/.test(url)) fail(name, 'must be an http(s) URL');
    const endpoint: NodeEndpoint = { url: url.replace(/\/$/, ''), nodeId: env[`${name}_ID`] || op };
    // mTLS to the nodes: client certificate and key, and the CA that signed the nodes' certificates.
    const tls: NonNullable<NodeEndpoint['tls']> = {};
    for (const [key, variable] of [
      ['cert', 'PLATFORM_NODE_TLS_CERT'],
      ['key', 'PLATFORM_NODE_TLS_KEY'],
      ['ca', 'PLATFORM_NODE_TLS_CA'],
    ] as const) {
      const path = env[variable];
      if (!path) continue;
      try {
        tls[key] = readFileSync(path, 'utf8');
      } catch (e) {
        fail(variable, `cannot read ${path}: ${(e as Error).message}`);
      }
    }
    if (Object.keys(tls).length > 0) endpoint.tls = tls;
    const shards = int(env, `${name}_SHARDS`, 1, 1);
    if (shards > 64) fail(`${name}_SHARDS`, 'must be an integer from 1 to 64');
    if (shards > 1) endpoint.shards = shards;
    nodes[op] = endpoint;
  }
  if (Object.keys(nodes).length === 0)
    fail('PLATFORM_NODE_CMCC', 'at least one PLATFORM_NODE_<OPERATOR> URL is needed');
  const sms = env.PLATFORM_SMS ?? 'outbox';
  if (sms !== 'outbox' && sms !== 'smpp') fail('PLATFORM_SMS', 'must be outbox or smpp');
  const green = (env.PLATFORM_GREEN_COUNTRIES ?? 'HK,MO,TW').split(',').map((s) => s.trim().toUpperCase());
  if (green.some((c) => c !== '' && !/^[A-Z]{2}$/.test(c)))
    fail('PLATFORM_GREEN_COUNTRIES', 'ISO codes, comma-separated');
  const d = DEFAULT_OPTIONS;
  const options: PlatformOptions = {
    ...d,
    clockSkewMs: int(env, 'PLATFORM_CLOCK_SKEW_MS', d.clockSkewMs),
    updateTimeMs: env.PLATFORM_UPDATE_TIME ? parseUpdateTime(env.PLATFORM_UPDATE_TIME) : d.updateTimeMs,
    greenCountries: green.filter((c) => c !== ''),
    nodeTimeoutMs: int(env, 'PLATFORM_NODE_TIMEOUT_MS', d.nodeTimeoutMs, 50),
    queryDeadlineMs: int(env, 'PLATFORM_QUERY_DEADLINE_MS', d.queryDeadlineMs, 50),
    answerCacheMs: int(env, 'PLATFORM_ANSWER_CACHE_MS', d.answerCacheMs),
    sessionCacheMs: int(env, 'PLATFORM_SESSION_CACHE_MS', d.sessionCacheMs),
    smsPerIpPerMinute: int(env, 'PLATFORM_SMS_PER_IP_PER_MINUTE', d.smsPerIpPerMinute, 1),
    smsPerIpPerHour: int(env, 'PLATFORM_SMS_PER_IP_PER_HOUR', d.smsPerIpPerHour, 1),
    loginPerIpPerMinute: int(env, 'PLATFORM_LOGIN_PER_IP_PER_MINUTE', d.loginPerIpPerMinute, 1),
    partnerCodesPerNumberPerHour: int(
      env,
      'PLATFORM_PARTNER_CODES_PER_NUMBER_PER_HOUR',
      d.partnerCodesPerNumberPerHour,
      1,
    ),
    partnerCodesPerNumberPerDay: int(
      env,
      'PLATFORM_PARTNER_CODES_PER_NUMBER_PER_DAY',
      d.partnerCodesPerNumberPerDay,
      1,
    ),
    partnerGrantTtlMs: int(env, 'PLATFORM_PARTNER_GRANT_TTL_MS', d.partnerGrantTtlMs, 10_000),
    partnerPerMinute: int(env, 'PLATFORM_PARTNER_PER_MINUTE', d.partnerPerMinute, 1),
    partnerReadsPerNumberPerHour: int(
      env,
      'PLATFORM_PARTNER_READS_PER_NUMBER_PER_HOUR',
      d.partnerReadsPerNumberPerHour,
      1,
    ),
    secretKey,
    serviceSecret,
    adminToken: env.PLATFORM_ADMIN_TOKEN ?? '',
    smsInboundToken: env.PLATFORM_SMS_INBOUND_TOKEN ?? '',
    webDist: env.PLATFORM_WEB_DIST || undefined,
  };
  if (options.adminToken !== '' && options.adminToken.length < 16) {
    fail('PLATFORM_ADMIN_TOKEN', 'must be at least 16 characters');
  }
  if (options.smsInboundToken !== '' && options.smsInboundToken.length < 16) {
    fail('PLATFORM_SMS_INBOUND_TOKEN', 'must be at least 16 characters');
  }
  const workers = int(env, 'PLATFORM_WORKERS', 1, 1);
  if (workers > 1 && (!env.DATABASE_URL || !env.REDIS_URL)) {
    fail('PLATFORM_WORKERS', 'more than 1 needs DATABASE_URL and REDIS_URL (embedded storage lives in one process)');
  }
  const logLevel = env.PLATFORM_LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(logLevel)) {
    fail('PLATFORM_LOG_LEVEL', 'must be fatal, error, warn, info, debug or trace');
  }
  const trustProxy = parseTrustProxy(env.PLATFORM_TRUST_PROXY ?? '');
  const requestLog = env.PLATFORM_REQUEST_LOG || 'on';
  if (requestLog !== 'on' && requestLog !== 'off') fail('PLATFORM_REQUEST_LOG', 'must be on or off');
  return {
    storageTimeoutMs: int(env, 'PLATFORM_STORAGE_TIMEOUT_MS', 800, 50),
    storageRetryMs: int(env, 'PLATFORM_STORAGE_RETRY_MS', DEFAULT_STORAGE_RETRY_MS),
    spoolDir: env.DATABASE_URL ? env.PLATFORM_SPOOL_DIR || defaultSpoolDir('platform', env.DATABASE_URL) : null,
    spoolMaxBytes: int(env, 'PLATFORM_SPOOL_MAX_MB', 256, 1) * 1024 * 1024,
    workers,
    trustProxy,
    logLevel,
    requestLog: requestLog === 'on',
    host: env.PLATFORM_HOST || '127.0.0.1',
    port: int(env, 'PLATFORM_PORT', 3000),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.PLATFORM_DATA_DIR || undefined,
    redisUrl: env.REDIS_URL || undefined,
    nodes,
    sms,
    smppEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('SMPP_'))),
    options,
  };
}
