// Configuration of the health-code system: its variables as one schema
// (HEALTH_CODE_ENV), read once from the environment, validated and typed; a bad
// value stops start-up naming the variable.
import { randomBytes } from 'node:crypto';
import { configError, Env, type EnvSource, readEnv, SERVE_DRAIN_MS, trustProxyFrom } from '@itinerary-card/ops';
import { readSmppConfig, type SmppConfig } from '@itinerary-card/sms';
import { DEFAULT_STORAGE_RETRY_MS, defaultSpoolDir } from '@itinerary-card/store';
import { Type } from 'typebox';
import { type ColourRule, DEFAULT_COLOUR_RULES, parseColourRules } from './rules/colour-rules.ts';

export interface HealthCodeConfig {
  /** Listen address and port (HC_HOST, HC_PORT). */
  host: string;
  port: number;
  /** HC_DATABASE_URL: PostgreSQL; without it PGlite in `dataDir` (HC_DATA_DIR) or in memory. */
  databaseUrl?: string;
  dataDir?: string;
  /** HC_REDIS_URL: without it, memory. */
  redisUrl?: string;
  /** The SMPP transport of login codes (SMPP_*); without it the development outbox (`devOutbox`). */
  smpp?: SmppConfig;
  /** HC_WORKERS: processes sharing the port on this machine (`serve health-code`); more than one needs PostgreSQL and Redis. */
  workers: number;
  /** SERVE_DRAIN_MS: on SIGTERM, how long to keep answering open connections after the listening socket closes. */
  drainMs: number;
  /** The city that runs the system (shown on pages and posters). */
  cityName: string;
  /** The code's name (昌通码 in Nanchang). */
  codeName: string;
  /** Public base URL of this system, used in venue QR codes (no trailing slash). */
  publicUrl: string;
  /** The itinerary card page of the platform (`/` of the platform), the fallback link. */
  itineraryCardUrl: string;
  /** Seals the private signing keys stored in SQL. */
  keySecret: string;
  /** Bearer token of the epidemic-prevention office's admin API. */
  adminToken: string;
  /** Lifetime of a personal code in seconds (short: a screenshot goes stale). */
  codeTtlSeconds: number;
  /** How long a new signing key is published before it signs (verifiers' cache must see it). */
  keyPublishAheadSeconds: number;
  /** Max-age of the published key set. */
  jwksMaxAgeSeconds: number;
  /** A signing key older than this is rotated automatically (0: only by the admin API). */
  keyRotateDays: number;
  checkinRetentionDays: number;
  /** How long a replica trusts a resolved venue code before asking the database (revocations also clear it at once). */
  venueCacheSeconds: number;
  /** How long a replica keeps a session or claim marker it read in memory (logouts, changes and claims anywhere drop it at once); 0: off. */
  sessionCacheSeconds: number;
  /** Check-in writes, and the holders' colour reads, each go to the database at most once per this many ms (0: back to back). */
  checkinGroupMs: number;
  colourRules: ColourRule[];
  /** Folder with the built pages (packages/web/dist): serves /health/* and /assets/*; null: no pages. */
  webDist: string | null;
  /** Expose /dev/outbox (development SMS outbox). */
  devOutbox: boolean;
  partner: { baseUrl: string; clientId: string; clientSecret: string; timeoutMs: number };
  /** HC_STORAGE_TIMEOUT_MS: limit on a PostgreSQL query or connect and a Redis command (outages fail fast). */
  storageTimeoutMs: number;
  /**
   * HC_STORAGE_RETRY_MS: how long requests wait for PostgreSQL or Redis to come
   * back in an outage (a restart) before STORAGE_UNAVAILABLE; counted from the
   * outage's first failure, 0: no wait.
   */
  storageRetryMs: number;
  /**
   * HC_SPOOL_DIR: where audit entries and check-ins wait on local disk while
   * PostgreSQL is down (default with a database URL: a folder under the
   * temporary directory named after the database); null: no spool.
   */
  spoolDir: string | null;
  /** HC_SPOOL_MAX_MB: bound of each spool; past it a check-in answers STORAGE_UNAVAILABLE. */
  spoolMaxBytes: number;
  /** Check-ins per account per minute (HC_CHECKINS_PER_MINUTE). */
  checkinsPerMinute: number;
  /** Check-ins per client address per minute (HC_CHECKINS_PER_IP_PER_MINUTE). */
  checkinsPerIpPerMinute: number;
  /**
   * Whose X-Forwarded-For gives the client address for per-address limits
   * (HC_TRUST_PROXY): false, true, a hop count, or proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string;
}

export const DEFAULT_CONFIG: Omit<
  HealthCodeConfig,
  'keySecret' | 'adminToken' | 'partner' | 'publicUrl' | 'itineraryCardUrl'
> = {
  host: '127.0.0.1',
  port: 3001,
  workers: 1,
  drainMs: 0,
  cityName: '南昌市',
  codeName: '昌通码',
  codeTtlSeconds: 60,
  keyPublishAheadSeconds: 600,
  jwksMaxAgeSeconds: 300,
  keyRotateDays: 30,
  checkinRetentionDays: 21,
  venueCacheSeconds: 30,
  sessionCacheSeconds: 30,
  checkinGroupMs: 2,
  colourRules: [...DEFAULT_COLOUR_RULES],
  webDist: null,
  devOutbox: false,
  storageTimeoutMs: 800,
  storageRetryMs: DEFAULT_STORAGE_RETRY_MS,
  spoolDir: null,
  spoolMaxBytes: 256 * 1024 * 1024,
  checkinsPerMinute: 5,
  checkinsPerIpPerMinute: 120,
  trustProxy: false,
};

const HTTP = ['http', 'https'];
const c = DEFAULT_CONFIG;
const seconds = (description: string, minimum: number, maximum: number, dflt: number) =>
  Env.int({ description, minimum, maximum, default: dflt });

/** The health-code system's variables (docs/deployment.md, "Health-code system"): read here and nowhere else. */
export const HEALTH_CODE_ENV = Type.Object({
  HC_HOST: Env.string({ description: 'Listen address.', default: c.host }),
  HC_PORT: Env.port(c.port, { description: 'Listen port.' }),
  HC_WORKERS: Env.int({
    description: 'Processes sharing the port on this machine; more than 1 needs HC_DATABASE_URL and HC_REDIS_URL.',
    minimum: 1,
    maximum: 256,
    default: c.workers,
  }),
  HC_KEY_SECRET: Env.secret(16, { description: 'Seals the Ed25519 signing keys in SQL; the same on every replica.' }),
  HC_ADMIN_TOKEN: Env.secret(16, { description: "Bearer token of the epidemic-prevention office's API." }),
  HC_PUBLIC_URL: Env.url(HTTP, { description: 'Public base URL (venue posters and check-in links point here).' }),
  HC_ITINERARY_CARD_URL: Env.url(HTTP, { description: 'The itinerary card page users are sent to.' }),
  HC_PARTNER_URL: Env.url(HTTP, { description: "The platform's partner API." }),
  HC_PARTNER_CLIENT_ID: Env.string({ description: "This city's partner id on the platform.", minLength: 1 }),
  HC_PARTNER_CLIENT_SECRET: Env.string({ description: "This city's partner secret on the platform.", minLength: 1 }),
  HC_PARTNER_TIMEOUT_MS: Env.int({
    description: 'Time limit of a call to the partner API.',
    minimum: 100,
    maximum: 60_000,
    default: 5000,
  }),
  HC_DATABASE_URL: Env.optional(
    Env.url(['postgres', 'postgresql'], { description: 'PostgreSQL; without it PGlite in HC_DATA_DIR, or in memory.' }),
  ),
  HC_DATA_DIR: Env.optional(Env.string({ description: 'PGlite directory when there is no HC_DATABASE_URL.' })),
  HC_REDIS_URL: Env.optional(
    Env.url(['redis', 'rediss'], { description: 'Redis; without it in memory (one replica only).' }),
  ),
  HC_STORAGE_TIMEOUT_MS: Env.int({
    description: 'Time limit of a PostgreSQL query or connection attempt and of a Redis command.',
    minimum: 50,
    maximum: 60_000,
    default: c.storageTimeoutMs,
  }),
  HC_STORAGE_RETRY_MS: Env.int({
    description:
      "How long requests wait for PostgreSQL or Redis to come back (a restart) before failing, counted from the outage's first failure; 0: no wait.",
    minimum: 0,
    maximum: 60_000,
    default: c.storageRetryMs,
  }),
  HC_SPOOL_DIR: Env.optional(
    Env.string({
      description: 'Where audit entries and check-ins wait while PostgreSQL is down (a persistent local disk).',
    }),
  ),
  HC_SPOOL_MAX_MB: Env.int({
    description: 'Bound of each spool: past it a check-in answers STORAGE_UNAVAILABLE.',
    minimum: 1,
    maximum: 1_000_000,
    default: 256,
  }),
  HC_DEV_OUTBOX: Env.bool(false, {
    description: 'Development: login codes to /dev/outbox instead of SMPP (SMPP_HOST).',
  }),
  HC_CITY_NAME: Env.string({ description: 'The city that runs the system.', default: c.cityName }),
  HC_CODE_NAME: Env.string({ description: "The code's name.", default: c.codeName }),
  HC_VENUE_CACHE_SECONDS: seconds('How long a replica trusts a venue code it resolved.', 0, 3600, c.venueCacheSeconds),
  HC_SESSION_CACHE_SECONDS: seconds(
    'How long a replica keeps a session or claim marker it read in memory (0: read the store on every request).',
    0,
    3600,
    c.sessionCacheSeconds,
  ),
  HC_CHECKIN_GROUP_MS: Env.int({
    description:
      "Check-in writes and the holders' colour reads each go to the database at most once per this many ms, grouped (0: back to back).",
    minimum: 0,
    maximum: 100,
    default: c.checkinGroupMs,
  }),
  HC_TRUST_PROXY: Env.string({
    description:
      "Whose X-Forwarded-For gives the client address: false, true, a hop count, or proxies' addresses/CIDRs.",
    default: 'false',
  }),
  HC_CHECKINS_PER_MINUTE: Env.int({
    description: 'Check-ins per account per minute.',
    minimum: 1,
    maximum: 10_000,
    default: c.checkinsPerMinute,
  }),
  HC_CHECKINS_PER_IP_PER_MINUTE: Env.int({
    description: 'Check-ins per client address per minute.',
    minimum: 1,
    maximum: 1_000_000,
    default: c.checkinsPerIpPerMinute,
  }),
  HC_CODE_TTL_SECONDS: seconds('Lifetime of a personal code.', 15, 600, c.codeTtlSeconds),
  HC_KEY_ROTATE_DAYS: Env.int({
    description: 'A signing key older than this is rotated (0: only by the admin API).',
    minimum: 0,
    maximum: 3650,
    default: c.keyRotateDays,
  }),
  HC_KEY_PUBLISH_AHEAD_SECONDS: seconds(
    'How long a new signing key is published before it signs.',
    0,
    86_400,
    c.keyPublishAheadSeconds,
  ),
  HC_JWKS_MAX_AGE_SECONDS: seconds('Max-age of the published key set.', 0, 86_400, c.jwksMaxAgeSeconds),
  HC_CHECKIN_RETENTION_DAYS: Env.int({
    description: 'Check-ins are kept this many days.',
    minimum: 1,
    maximum: 365,
    default: c.checkinRetentionDays,
  }),
  HC_COLOUR_RULES: Env.optional(
    Env.string({ description: 'Colour rules as JSON (apps/health-code/README.md); default the built-in rules.' }),
  ),
  HC_WEB_DIST: Env.optional(Env.string({ description: 'Built pages (packages/web/dist): serves /health/*.' })),
  SERVE_DRAIN_MS: SERVE_DRAIN_MS,
});

function colourRulesFrom(text: string | undefined): ColourRule[] {
  if (!text) return [...DEFAULT_COLOUR_RULES];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    configError('HC_COLOUR_RULES', 'is not JSON');
  }
  const r = parseColourRules(parsed);
  if (typeof r === 'string') configError('HC_COLOUR_RULES', r);
  return r;
}

const noSlash = (u: string) => u.replace(/\/+$/, '');

/** Reads HC_* (and SMPP_* for the login codes' transport). */
export function readConfig(env: EnvSource = process.env): HealthCodeConfig {
  const v = readEnv(HEALTH_CODE_ENV, env);
  const colourRules = colourRulesFrom(v.HC_COLOUR_RULES);
  // Login codes go out over SMPP, or to the development outbox.
  const smpp = env.SMPP_HOST ? readSmppConfig(env) : undefined;
  if (!smpp && !v.HC_DEV_OUTBOX) configError('SMPP_HOST', 'required (or HC_DEV_OUTBOX=true for development)');
  if (v.HC_WORKERS > 1 && (!v.HC_DATABASE_URL || !v.HC_REDIS_URL)) {
    configError(
      'HC_WORKERS',
      'more than 1 needs HC_DATABASE_URL and HC_REDIS_URL (embedded storage lives in one process)',
    );
  }
  return {
    ...DEFAULT_CONFIG,
    host: v.HC_HOST,
    port: v.HC_PORT,
    workers: v.HC_WORKERS,
    databaseUrl: v.HC_DATABASE_URL,
    dataDir: v.HC_DATA_DIR,
    redisUrl: v.HC_REDIS_URL,
    smpp,
    drainMs: v.SERVE_DRAIN_MS,
    cityName: v.HC_CITY_NAME,
    codeName: v.HC_CODE_NAME,
    publicUrl: noSlash(v.HC_PUBLIC_URL),
    itineraryCardUrl: noSlash(v.HC_ITINERARY_CARD_URL),
    keySecret: v.HC_KEY_SECRET,
    adminToken: v.HC_ADMIN_TOKEN,
    codeTtlSeconds: v.HC_CODE_TTL_SECONDS,
    keyPublishAheadSeconds: v.HC_KEY_PUBLISH_AHEAD_SECONDS,
    jwksMaxAgeSeconds: v.HC_JWKS_MAX_AGE_SECONDS,
    keyRotateDays: v.HC_KEY_ROTATE_DAYS,
    checkinRetentionDays: v.HC_CHECKIN_RETENTION_DAYS,
    venueCacheSeconds: v.HC_VENUE_CACHE_SECONDS,
    sessionCacheSeconds: v.HC_SESSION_CACHE_SECONDS,
    checkinGroupMs: v.HC_CHECKIN_GROUP_MS,
    colourRules,
    webDist: v.HC_WEB_DIST ?? null,
    devOutbox: v.HC_DEV_OUTBOX,
    checkinsPerMinute: v.HC_CHECKINS_PER_MINUTE,
    checkinsPerIpPerMinute: v.HC_CHECKINS_PER_IP_PER_MINUTE,
    trustProxy: trustProxyFrom(v.HC_TRUST_PROXY, 'HC_TRUST_PROXY'),
    partner: {
      baseUrl: noSlash(v.HC_PARTNER_URL),
      clientId: v.HC_PARTNER_CLIENT_ID,
      clientSecret: v.HC_PARTNER_CLIENT_SECRET,
      timeoutMs: v.HC_PARTNER_TIMEOUT_MS,
    },
    storageTimeoutMs: v.HC_STORAGE_TIMEOUT_MS,
    storageRetryMs: v.HC_STORAGE_RETRY_MS,
    spoolDir: v.HC_SPOOL_DIR || (v.HC_DATABASE_URL ? defaultSpoolDir('health-code', v.HC_DATABASE_URL) : null),
    spoolMaxBytes: v.HC_SPOOL_MAX_MB * 1024 * 1024,
  };
}

/**
 * A configuration for an embedded run (the demo): fresh random secrets, the dev outbox on.
 * Keys sealed under a random secret do not survive a restart on a persistent data dir:
 * pass `keySecret` for that.
 */
export function embeddedConfig(o: {
  publicUrl: string;
  itineraryCardUrl: string;
  partner: { baseUrl: string; clientId: string; clientSecret: string; timeoutMs?: number };
  webDist?: string | null;
  keySecret?: string;
  adminToken?: string;
}): HealthCodeConfig {
  return {
    ...DEFAULT_CONFIG,
    publicUrl: o.publicUrl.replace(/\/+$/, ''),
    itineraryCardUrl: o.itineraryCardUrl,
    keySecret: o.keySecret ?? randomBytes(24).toString('base64url'),
    adminToken: o.adminToken ?? randomBytes(24).toString('base64url'),
    webDist: o.webDist ?? null,
    devOutbox: true,
    partner: { timeoutMs: 5000, ...o.partner },
  };
}
