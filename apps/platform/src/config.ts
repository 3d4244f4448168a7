// Platform configuration: its variables as one schema (PLATFORM_ENV), read once
// from the environment and validated; a bad value stops start-up naming the variable.
import { readFileSync } from 'node:fs';
import { OPERATORS, type Operator, parseTimeOfDay } from '@itinerary-card/domain';
import {
  configError,
  Env,
  type EnvSource,
  LOG_LEVELS,
  readEnv,
  SERVE_DRAIN_MS,
  trustProxyFrom,
} from '@itinerary-card/ops';
import { readSmppConfig, type SmppConfig } from '@itinerary-card/sms';
import {
  DEFAULT_LOGIN_CODE_LIMITS,
  DEFAULT_STORAGE_RETRY_MS,
  defaultSpoolDir,
  type LoginCodeLimits,
} from '@itinerary-card/store';
import { type TInteger, type TOptional, type TSchema, type TString, Type } from 'typebox';

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
   * Under load, the audit log's group commits start at most once per this many
   * ms, each with the reads of its spacing; a read recorded when the log is idle
   * is written at once. 0: a commit starts as soon as the last one ends.
   */
  auditCommitMs: number;
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
  auditCommitMs: 2,
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
  /** The SMPP_* variables, read when `sms` is `smpp`. */
  smpp?: SmppConfig;
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
  /** SERVE_DRAIN_MS: on SIGTERM, how long to keep answering open connections after the listening socket closes. */
  drainMs: number;
}

const NODE_URL = { pattern: '^https?://[^/]+', why: 'must be an http(s) URL' };

/** PLATFORM_NODE_<OP>, _ID and _SHARDS for each operator. */
function nodeVariables() {
  const out: Record<string, TSchema> = {};
  for (const op of OPERATORS) {
    const name = `PLATFORM_NODE_${op.toUpperCase()}`;
    out[name] = Env.optional(
      Env.string({ description: `Base URL of the ${op} node (or of the proxy in front of its shards).`, ...NODE_URL }),
    );
    out[`${name}_ID`] = Env.string({ description: 'Its node id (token audience), default the operator.', default: '' });
    out[`${name}_SHARDS`] = Env.int({
      description: 'Shards behind that URL: one circuit breaker per shard.',
      minimum: 1,
      maximum: 64,
      default: 1,
    });
  }
  return out as Record<string, TOptional<TString> | TString | TInteger>;
}

const limits = DEFAULT_LOGIN_CODE_LIMITS;
const d = DEFAULT_OPTIONS;
const perUnit = (description: string, dflt: number) =>
  Env.int({ description, minimum: 1, maximum: 1_000_000, default: dflt });

/** The platform's variables (docs/deployment.md, "Query platform"): read here and nowhere else. */
export const PLATFORM_ENV = Type.Object({
  PLATFORM_HOST: Env.string({ description: 'Listen address (0.0.0.0 behind a load balancer).', default: '127.0.0.1' }),
  PLATFORM_PORT: Env.port(3000, { description: 'Listen port.' }),
  PLATFORM_SECRET_KEY: Env.secret(16, {
    description: 'HMAC key for SMS codes, sessions and device tokens at rest; the same on every replica.',
  }),
  PLATFORM_SERVICE_SECRET: Env.secret(16, { description: 'Shared secret of service tokens to the operator nodes.' }),
  ...nodeVariables(),
  PLATFORM_NODE_TLS_CERT: Env.optional(Env.string({ description: 'mTLS to the nodes: client certificate file.' })),
  PLATFORM_NODE_TLS_KEY: Env.optional(Env.string({ description: 'mTLS to the nodes: client key file.' })),
  PLATFORM_NODE_TLS_CA: Env.optional(
    Env.string({ description: "mTLS to the nodes: the CA of the nodes' certificates." }),
  ),
  DATABASE_URL: Env.optional(
    Env.url(['postgres', 'postgresql'], {
      description: 'PostgreSQL; without it PGlite in PLATFORM_DATA_DIR, or in memory.',
    }),
  ),
  PLATFORM_DATA_DIR: Env.optional(Env.string({ description: 'PGlite directory when there is no DATABASE_URL.' })),
  REDIS_URL: Env.optional(
    Env.url(['redis', 'rediss'], { description: 'Redis; without it in memory (one replica only).' }),
  ),
  PLATFORM_SMS: Env.oneOf(['outbox', 'smpp'], {
    description: 'outbox (development: /dev/outbox) or smpp (SMPP_* below).',
    default: 'outbox',
  }),
  PLATFORM_SMS_INBOUND_TOKEN: Env.string({
    description: "Bearer token of an HTTP SMS gateway's POST /api/v1/sms/inbound; empty refuses that route.",
    default: '',
    minLength: 16,
  }),
  PLATFORM_ADMIN_TOKEN: Env.string({ description: 'Enables /api/v1/admin/*; empty: off.', default: '', minLength: 16 }),
  PLATFORM_UPDATE_TIME: Env.string({
    description: 'Daily update time, Beijing.',
    default: '08:00',
    pattern: '^\\d{1,2}:\\d{2}$',
    why: 'must be HH:MM',
  }),
  PLATFORM_CLOCK_SKEW_MS: Env.int({
    description: "Allowed difference of the phone's clock before ILLEGAL_ACCESS.",
    minimum: 0,
    maximum: 86_400_000,
    default: d.clockSkewMs,
  }),
  PLATFORM_GREEN_COUNTRIES: Env.string({
    description: 'Regions that keep the card green, ISO codes comma-separated (empty: none).',
    default: d.greenCountries.join(','),
    keepEmpty: true,
    pattern: '^\\s*([A-Za-z]{2})?\\s*(,\\s*([A-Za-z]{2})?\\s*)*$',
    why: 'ISO codes, comma-separated',
  }),
  PLATFORM_QUERY_DEADLINE_MS: Env.int({
    description: "A whole query's deadline: past it QUERY_FAILED.",
    minimum: 50,
    maximum: 120_000,
    default: d.queryDeadlineMs,
  }),
  PLATFORM_NODE_TIMEOUT_MS: Env.int({
    description: 'Per-call timeout to a node.',
    minimum: 50,
    maximum: 120_000,
    default: d.nodeTimeoutMs,
  }),
  PLATFORM_ANSWER_CACHE_MS: Env.int({
    description: "How long a node's answer is reused; 0 = off.",
    minimum: 0,
    maximum: 86_400_000,
    default: d.answerCacheMs,
  }),
  PLATFORM_SESSION_CACHE_MS: Env.int({
    description: 'How long a process keeps a session it looked up; 0 = ask Redis every time.',
    minimum: 0,
    maximum: 86_400_000,
    default: d.sessionCacheMs,
  }),
  PLATFORM_AUDIT_COMMIT_MS: Env.int({
    description:
      "Under load, the audit log's group commits start at most this often (ms); a read when idle is written at once. 0 = back to back.",
    minimum: 0,
    maximum: 1000,
    default: d.auditCommitMs,
  }),
  PLATFORM_WORKERS: Env.int({
    description: 'Processes sharing the port; more than 1 needs DATABASE_URL and REDIS_URL.',
    minimum: 1,
    maximum: 256,
    default: 1,
  }),
  PLATFORM_TRUST_PROXY: Env.string({
    description:
      "Whose X-Forwarded-For gives the client address: false, true, a hop count, or proxies' addresses/CIDRs.",
    default: 'false',
  }),
  PLATFORM_LOG_LEVEL: Env.oneOf(LOG_LEVELS, { description: 'Log level.', default: 'info' }),
  PLATFORM_REQUEST_LOG: Env.bool(true, { description: 'A log line per request (false: counts stay in /metrics).' }),
  PLATFORM_SMS_PER_IP_PER_MINUTE: perUnit('SMS codes asked per client address per minute.', limits.smsPerIpPerMinute),
  PLATFORM_SMS_PER_IP_PER_HOUR: perUnit('SMS codes asked per client address per hour.', limits.smsPerIpPerHour),
  PLATFORM_LOGIN_PER_IP_PER_MINUTE: perUnit('Code checks per client address per minute.', limits.loginPerIpPerMinute),
  PLATFORM_PARTNER_CODES_PER_NUMBER_PER_HOUR: perUnit(
    'Owner-confirmation codes partners may send one number per hour.',
    d.partnerCodesPerNumberPerHour,
  ),
  PLATFORM_PARTNER_CODES_PER_NUMBER_PER_DAY: perUnit(
    'Owner-confirmation codes partners may send one number per day.',
    d.partnerCodesPerNumberPerDay,
  ),
  PLATFORM_PARTNER_GRANT_TTL_MS: Env.int({
    description: "Lifetime of the one-time grant an owner's code turns into.",
    minimum: 10_000,
    maximum: 86_400_000,
    default: d.partnerGrantTtlMs,
  }),
  PLATFORM_PARTNER_PER_MINUTE: perUnit("Each partner's calls per minute.", d.partnerPerMinute),
  PLATFORM_PARTNER_READS_PER_NUMBER_PER_HOUR: perUnit(
    "Each partner's itinerary reads per number per hour.",
    d.partnerReadsPerNumberPerHour,
  ),
  PLATFORM_WEB_DIST: Env.optional(Env.string({ description: 'Built pages (default packages/web/dist).' })),
  PLATFORM_STORAGE_TIMEOUT_MS: Env.int({
    description: 'Time limit of a PostgreSQL query or connection attempt and of a Redis command.',
    minimum: 50,
    maximum: 60_000,
    default: 800,
  }),
  PLATFORM_STORAGE_RETRY_MS: Env.int({
    description:
      "How long requests wait for PostgreSQL or Redis to come back (a restart) before failing, counted from the outage's first failure; 0: no wait.",
    minimum: 0,
    maximum: 60_000,
    default: DEFAULT_STORAGE_RETRY_MS,
  }),
  PLATFORM_SPOOL_DIR: Env.optional(
    Env.string({ description: 'Where audit entries wait while PostgreSQL is down (a persistent local disk).' }),
  ),
  PLATFORM_SPOOL_MAX_MB: Env.int({
    description: 'Bound of the spool: past it reads answer QUERY_FAILED.',
    minimum: 1,
    maximum: 1_000_000,
    default: 256,
  }),
  SERVE_DRAIN_MS: SERVE_DRAIN_MS,
});

/**
 * PLATFORM_TRUST_PROXY: empty or `false` (the connecting address is the
 * client), `true` (any proxy), a hop count, or comma-separated proxy
 * addresses / CIDRs.
 */
function parseTrustProxy(raw: string): boolean | number | string {
  return trustProxyFrom(raw, 'PLATFORM_TRUST_PROXY');
}

/** `08:00` → ms after midnight. */
function parseUpdateTime(s: string, variable = 'PLATFORM_UPDATE_TIME'): number {
  const ms = parseTimeOfDay(s);
  if (Number.isNaN(ms)) configError(variable, 'must be HH:MM');
  return ms;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return configError(variable, `cannot read ${path}: ${(e as Error).message}`);
  }
}

export function readPlatformConfig(env: EnvSource = process.env): PlatformConfig {
  const v = readEnv(PLATFORM_ENV, env);
  const raw = v as unknown as Record<string, string | number | undefined>;
  // mTLS to the nodes: client certificate and key, and the CA that signed the nodes' certificates.
  const tls: NonNullable<NodeEndpoint['tls']> = {};
  if (v.PLATFORM_NODE_TLS_CERT) tls.cert = readPem('PLATFORM_NODE_TLS_CERT', v.PLATFORM_NODE_TLS_CERT);
  if (v.PLATFORM_NODE_TLS_KEY) tls.key = readPem('PLATFORM_NODE_TLS_KEY', v.PLATFORM_NODE_TLS_KEY);
  if (v.PLATFORM_NODE_TLS_CA) tls.ca = readPem('PLATFORM_NODE_TLS_CA', v.PLATFORM_NODE_TLS_CA);
  const nodes: Partial<Record<Operator, NodeEndpoint>> = {};
  for (const op of OPERATORS) {
    const name = `PLATFORM_NODE_${op.toUpperCase()}`;
    const url = raw[name] as string | undefined;
    if (!url) continue;
    const endpoint: NodeEndpoint = { url: url.replace(/\/$/, ''), nodeId: (raw[`${name}_ID`] as string) || op };
    if (Object.keys(tls).length > 0) endpoint.tls = { ...tls };
    const shards = raw[`${name}_SHARDS`] as number;
    if (shards > 1) endpoint.shards = shards;
    nodes[op] = endpoint;
  }
  if (Object.keys(nodes).length === 0)
    configError('PLATFORM_NODE_CMCC', 'at least one PLATFORM_NODE_<OPERATOR> URL is needed');
  const green = v.PLATFORM_GREEN_COUNTRIES.split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
  const options: PlatformOptions = {
    ...d,
    clockSkewMs: v.PLATFORM_CLOCK_SKEW_MS,
    updateTimeMs: parseUpdateTime(v.PLATFORM_UPDATE_TIME),
    greenCountries: green,
    nodeTimeoutMs: v.PLATFORM_NODE_TIMEOUT_MS,
    queryDeadlineMs: v.PLATFORM_QUERY_DEADLINE_MS,
    answerCacheMs: v.PLATFORM_ANSWER_CACHE_MS,
    sessionCacheMs: v.PLATFORM_SESSION_CACHE_MS,
    auditCommitMs: v.PLATFORM_AUDIT_COMMIT_MS,
    smsPerIpPerMinute: v.PLATFORM_SMS_PER_IP_PER_MINUTE,
    smsPerIpPerHour: v.PLATFORM_SMS_PER_IP_PER_HOUR,
    loginPerIpPerMinute: v.PLATFORM_LOGIN_PER_IP_PER_MINUTE,
    partnerCodesPerNumberPerHour: v.PLATFORM_PARTNER_CODES_PER_NUMBER_PER_HOUR,
    partnerCodesPerNumberPerDay: v.PLATFORM_PARTNER_CODES_PER_NUMBER_PER_DAY,
    partnerGrantTtlMs: v.PLATFORM_PARTNER_GRANT_TTL_MS,
    partnerPerMinute: v.PLATFORM_PARTNER_PER_MINUTE,
    partnerReadsPerNumberPerHour: v.PLATFORM_PARTNER_READS_PER_NUMBER_PER_HOUR,
    secretKey: v.PLATFORM_SECRET_KEY,
    serviceSecret: v.PLATFORM_SERVICE_SECRET,
    adminToken: v.PLATFORM_ADMIN_TOKEN,
    smsInboundToken: v.PLATFORM_SMS_INBOUND_TOKEN,
    webDist: v.PLATFORM_WEB_DIST,
  };
  if (v.PLATFORM_WORKERS > 1 && (!v.DATABASE_URL || !v.REDIS_URL)) {
    configError(
      'PLATFORM_WORKERS',
      'more than 1 needs DATABASE_URL and REDIS_URL (embedded storage lives in one process)',
    );
  }
  const trustProxy = parseTrustProxy(v.PLATFORM_TRUST_PROXY);
  // Checked here, so a bad SMPP_* value fails before storage opens.
  const smpp = v.PLATFORM_SMS === 'smpp' ? readSmppConfig(env) : undefined;
  return {
    storageTimeoutMs: v.PLATFORM_STORAGE_TIMEOUT_MS,
    storageRetryMs: v.PLATFORM_STORAGE_RETRY_MS,
    spoolDir: v.DATABASE_URL ? v.PLATFORM_SPOOL_DIR || defaultSpoolDir('platform', v.DATABASE_URL) : null,
    spoolMaxBytes: v.PLATFORM_SPOOL_MAX_MB * 1024 * 1024,
    workers: v.PLATFORM_WORKERS,
    trustProxy,
    logLevel: v.PLATFORM_LOG_LEVEL,
    requestLog: v.PLATFORM_REQUEST_LOG,
    host: v.PLATFORM_HOST,
    port: v.PLATFORM_PORT,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.PLATFORM_DATA_DIR,
    redisUrl: v.REDIS_URL,
    nodes,
    sms: v.PLATFORM_SMS,
    smpp,
    options,
    drainMs: v.SERVE_DRAIN_MS,
  };
}
