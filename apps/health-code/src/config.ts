// Configuration of the health-code system, read once from the environment,
// validated and typed; a bad value stops start-up naming the variable.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from '@itinerary-card/domain';
import { DEFAULT_STORAGE_RETRY_MS, defaultSpoolDir } from '@itinerary-card/store';
import { type ColourRule, DEFAULT_COLOUR_RULES, parseColourRules } from './rules/colour-rules.ts';

export interface HealthCodeConfig {
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
  cityName: '南昌市',
  codeName: '昌通码',
  codeTtlSeconds: 60,
  keyPublishAheadSeconds: 600,
  jwksMaxAgeSeconds: 300,
  keyRotateDays: 30,
  checkinRetentionDays: 21,
  venueCacheSeconds: 30,
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

function bad(name: string, why: string): never {
  throw new AppError('CONFIG_INVALID', { variable: name, reason: why }, { cause: new Error(`${name}: ${why}`) });
}

function str(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const v = env[name] ?? fallback;
  if (v === undefined || v === '') bad(name, 'is required');
  return v;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) bad(name, `must be an integer between ${min} and ${max}`);
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const v = str(env, name, fallback);
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(name, 'must be an http(s) URL');
  } catch (e) {
    if (e instanceof AppError) throw e;
    bad(name, 'must be an http(s) URL');
  }
  return v.replace(/\/+$/, '');
}

/** HC_TRUST_PROXY: empty or `false`, `true`, a hop count, or comma-separated proxy addresses/CIDRs. */
function trustProxy(raw: string): boolean | number | string {
  const v = raw.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const items = v.split(',').map((x) => x.trim());
  const ok = (x: string) => {
    const [addr, bits, extra] = x.split('/');
    if (extra !== undefined || !addr || isIP(addr) === 0) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128));
  };
  if (!items.every(ok)) bad('HC_TRUST_PROXY', 'true, false, a hop count, or proxy addresses/CIDRs separated by commas');
  return items.join(',');
}

/** Reads HC_* variables. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): HealthCodeConfig {
  let colourRules = [...DEFAULT_COLOUR_RULES];
  if (env.HC_COLOUR_RULES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.HC_COLOUR_RULES);
    } catch {
      bad('HC_COLOUR_RULES', 'is not JSON');
    }
    const r = parseColourRules(parsed);
    if (typeof r === 'string') bad('HC_COLOUR_RULES', r);
    colourRules = r;
  }
  const keySecret = str(env, 'HC_KEY_SECRET');
  if (keySecret.length < 16) bad('HC_KEY_SECRET', 'must be at least 16 characters');
  const adminToken = str(env, 'HC_ADMIN_TOKEN');
  if (adminToken.length < 16) bad('HC_ADMIN_TOKEN', 'must be at least 16 characters');
  return {
    ...DEFAULT_CONFIG,
    cityName: str(env, 'HC_CITY_NAME', DEFAULT_CONFIG.cityName),
    codeName: str(env, 'HC_CODE_NAME', DEFAULT_CONFIG.codeName),
    publicUrl: url(env, 'HC_PUBLIC_URL'),
    itineraryCardUrl: url(env, 'HC_ITINERARY_CARD_URL'),
    keySecret,
    adminToken,
    codeTtlSeconds: int(env, 'HC_CODE_TTL_SECONDS', DEFAULT_CONFIG.codeTtlSeconds, 15, 600),
    keyPublishAheadSeconds: int(env, 'HC_KEY_PUBLISH_AHEAD_SECONDS', DEFAULT_CONFIG.keyPublishAheadSeconds, 0, 86_400),
    jwksMaxAgeSeconds: int(env, 'HC_JWKS_MAX_AGE_SECONDS', DEFAULT_CONFIG.jwksMaxAgeSeconds, 0, 86_400),
    keyRotateDays: int(env, 'HC_KEY_ROTATE_DAYS', DEFAULT_CONFIG.keyRotateDays, 0, 3650),
    checkinRetentionDays: int(env, 'HC_CHECKIN_RETENTION_DAYS', DEFAULT_CONFIG.checkinRetentionDays, 1, 365),
    venueCacheSeconds: int(env, 'HC_VENUE_CACHE_SECONDS', DEFAULT_CONFIG.venueCacheSeconds, 0, 3600),
    colourRules,
    webDist: env.HC_WEB_DIST ?? null,
    devOutbox: env.HC_DEV_OUTBOX === '1',
    checkinsPerMinute: int(env, 'HC_CHECKINS_PER_MINUTE', DEFAULT_CONFIG.checkinsPerMinute, 1, 10_000),
    checkinsPerIpPerMinute: int(
      env,
      'HC_CHECKINS_PER_IP_PER_MINUTE',
      DEFAULT_CONFIG.checkinsPerIpPerMinute,
      1,
      1_000_000,
    ),
    trustProxy: trustProxy(env.HC_TRUST_PROXY ?? ''),
    partner: {
      baseUrl: url(env, 'HC_PARTNER_URL'),
      clientId: str(env, 'HC_PARTNER_CLIENT_ID'),
      clientSecret: str(env, 'HC_PARTNER_CLIENT_SECRET'),
      timeoutMs: int(env, 'HC_PARTNER_TIMEOUT_MS', 5000, 100, 60_000),
    },
    storageTimeoutMs: int(env, 'HC_STORAGE_TIMEOUT_MS', DEFAULT_CONFIG.storageTimeoutMs, 50, 60_000),
    storageRetryMs: int(env, 'HC_STORAGE_RETRY_MS', DEFAULT_CONFIG.storageRetryMs, 0, 60_000),
    spoolDir: env.HC_SPOOL_DIR || (env.HC_DATABASE_URL ? defaultSpoolDir('health-code', env.HC_DATABASE_URL) : null),
    spoolMaxBytes: int(env, 'HC_SPOOL_MAX_MB', 256, 1, 1_000_000) * 1024 * 1024,
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
