// buildHealthCode: the city health-code system as a Fastify app (not listening),
// built from its dependencies so the demo, the tests and production wire it alike.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { AppError, type Clock, extractToken, formatBeijing } from '@itinerary-card/domain';
import { installOpsKit, maskedLogger, type SmsMetricsSource } from '@itinerary-card/ops';
import { type KeyValue, migrate, migrationsFromDir, Spool, type Sql } from '@itinerary-card/store';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { HealthCodeConfig } from './config.ts';
import type { PartnerClient } from './partner/partner-client.ts';
import { AreaRepo } from './repositories/area-repo.ts';
import { AuditLog, ConsentRepo, insertAuditEntries, type KeyedAuditEntry } from './repositories/audit-log.ts';
import { type CheckinRow, CheckinWriter, insertCheckins } from './repositories/checkin-writer.ts';
import { PeopleRepo } from './repositories/people-repo.ts';
import { VenueRepo } from './repositories/venue-repo.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { citizenRoutes } from './routes/citizen-routes.ts';
import { maskName } from './rules/id-card.ts';
import { AreaList } from './services/area-list.ts';
import { AuthService, type Session, type SmsSender } from './services/auth-service.ts';
import { CheckinService } from './services/checkin-service.ts';
import { CheckinThrottle } from './services/checkin-throttle.ts';
import { ClaimSupport } from './services/claim-support.ts';
import { ItineraryCheckService } from './services/itinerary-check.ts';
import { PersonService } from './services/person-service.ts';
import { runRetention } from './services/retention.ts';
import { VenueService } from './services/venue-service.ts';
import { KeyStore } from './signing/key-store.ts';
import type { Keyring } from './signing/keyring.ts';

export interface HealthCodeDeps {
  sql: Sql;
  kv: KeyValue;
  clock: Clock;
  /** Sends the system's own login codes (packages/sms SmsTransport fits). */
  sms: SmsSender & { list?(phone?: string): Array<{ to: string; text: string; sentAt: string }> };
  /** The transport's receipts and SMPP link for /metrics and /readyz (not ready while unbound). */
  smsStatus?: SmsMetricsSource;
  partner: PartnerClient;
  config: HealthCodeConfig;
  /** pino options (Fastify's `logger`); request URLs are masked. */
  logger?: boolean | Exclude<FastifyServerOptions['logger'], boolean | undefined>;
  /** Run the retention job and key reload on timers (default true; tests drive them by hand). */
  timers?: boolean;
  /** Keep audit entries and check-ins in local spools while the database is down (HC_SPOOL_DIR). */
  spool?: { dir: string; maxBytes: number };
}

declare module 'fastify' {
  interface FastifyInstance {
    healthCode: {
      keyring(): Keyring;
      /** Logins and sessions (the benchmark opens a session with `auth.openSession`). */
      auth: AuthService;
      checkinWriter: CheckinWriter;
      checkins: CheckinService;
      venues: VenueService;
      retention(): Promise<{ checkinsDeleted: number }>;
      rotateKeys(): Promise<{ kid: string; nbf: number }>;
      reloadKeys(): Promise<void>;
      autoRotate(): Promise<void>;
      /** Writes what is queued (check-ins) and stops the spools; what cannot reach the database stays on disk. */
      flushStorage(): Promise<void>;
      revokeKey(kid: string): Promise<{ revoked: boolean; venuesResigned: number }>;
      revokeVenue(id: string): Promise<boolean>;
    };
  }
}

/** Revocations announced to every replica: `key:<kid>` or `venue:<id>`. */
const REVOCATIONS = 'hc:revocations';

export async function buildHealthCode(deps: HealthCodeDeps): Promise<FastifyInstance> {
  const { sql, kv, clock, config } = deps;
  await migrate(sql, 'health-code', await migrationsFromDir(join(import.meta.dirname, 'migrations')));

  const keyStore = new KeyStore(sql, config.keySecret);
  let ring = await keyStore.ensure(clock.now());
  const keyring = () => ring;

  const audit = new AuditLog(sql);
  const peopleRepo = new PeopleRepo(sql, config.checkinGroupMs);
  const areas = new AreaList(new AreaRepo(sql), clock);
  const checks = new ItineraryCheckService(
    deps.partner,
    kv,
    new ConsentRepo(sql),
    audit,
    areas,
    clock,
    config.itineraryCardUrl,
    config.codeName,
  );
  // Logs go through the app's logger once it exists.
  let logError = (_msg: string, _err: unknown) => {};
  const claims = new ClaimSupport(
    kv,
    deps.sms,
    clock,
    config.codeName,
    (msg, err) => logError(msg, err),
    config.sessionCacheSeconds * 1000,
  );
  const people = new PersonService(
    peopleRepo,
    areas,
    checks,
    audit,
    keyring,
    config.colourRules,
    clock,
    config.codeTtlSeconds,
    claims,
  );
  const venues = new VenueService(
    new VenueRepo(sql),
    keyring,
    clock,
    config.publicUrl,
    config.cityName,
    config.codeName,
    config.venueCacheSeconds * 1000,
  );
  const writer = new CheckinWriter(sql, { spacingMs: config.checkinGroupMs });
  const spools: { audit?: Spool<KeyedAuditEntry>; checkins?: Spool<CheckinRow> } = {};
  if (deps.spool) {
    const { dir, maxBytes } = deps.spool;
    spools.audit = await Spool.open<KeyedAuditEntry>({
      dir,
      name: 'audit',
      maxBytes,
      deliver: (rows) => insertAuditEntries(sql, rows),
    });
    spools.checkins = await Spool.open<CheckinRow>({
      dir,
      name: 'checkins',
      maxBytes,
      deliver: (rows) => insertCheckins(sql, rows),
    });
    audit.useSpool(spools.audit);
    writer.useSpool(spools.checkins);
  }
  const checkins = new CheckinService(venues, writer, clock);
  const flushStorage = async () => {
    await writer.drain();
    // What could not reach the database stays on disk for the next start.
    await spools.audit?.close();
    await spools.checkins?.close();
  };
  const keyedIds = AuthService.keyedIds(config.keySecret);
  const auth = new AuthService(
    kv,
    deps.sms,
    clock,
    config.codeName,
    keyedIds,
    undefined,
    config.sessionCacheSeconds * 1000,
  );
  const throttle = new CheckinThrottle(kv, keyedIds, config);
  const personOf = async (phone: string): Promise<Session> => {
    const p = await peopleRepo.byPhone(phone);
    return p ? { phone, personId: p.id, maskedName: maskName(p.name) } : { phone };
  };
  const retention = () => runRetention(sql, audit, clock, config.checkinRetentionDays);
  const reloadKeys = async () => {
    ring = await keyStore.load();
  };
  /** What a revocation announced by any replica (this one included) changes here. */
  const onRevocation = async (message: string) => {
    if (message.startsWith('venue:')) {
      venues.forget(message.slice(6));
      return;
    }
    await reloadKeys();
    venues.clearCache();
  };
  const announce = async (message: string) => {
    await onRevocation(message);
    // The other replicas hear it at once; one that misses it catches up at its next key reload
    // and when its cached venue entries expire (config.venueCacheSeconds).
    await kv.publish(REVOCATIONS, message);
  };
  const revokeKey = async (kid: string) => {
    const revoked = await keyStore.revoke(kid, clock.now());
    await reloadKeys();
    const venuesResigned = revoked ? await venues.resignKey(kid) : 0;
    await announce(`key:${kid}`);
    await audit.record({
      at: clock.now(),
      actor: 'office',
      action: 'keys.revoke',
      subject: kid,
      detail: { revoked, venuesResigned, signingKey: ring.signingKey(clock.now())?.kid ?? null },
    });
    return { revoked, venuesResigned };
  };
  const revokeVenue = async (id: string) => {
    const revoked = await venues.revoke(id);
    await announce(`venue:${id}`);
    await audit.record({ at: clock.now(), actor: 'office', action: 'venue.revoke', subject: id, detail: { revoked } });
    return revoked;
  };
  const rotateKeys = async () => (await rotateIf())!;
  const rotateIf = async (due?: (ring: Keyring) => boolean) => {
    const rotated = await keyStore.rotate(clock.now(), config.keyPublishAheadSeconds * 1000, due);
    if (!rotated) {
      ring = await keyStore.load();
      return null;
    }
    ring = rotated;
    const newest = ring.records().sort((a, b) => b.nbf - a.nbf)[0]!;
    await audit.record({
      at: clock.now(),
      actor: 'office',
      action: 'keys.rotate',
      subject: newest.kid,
      detail: { nbf: formatBeijing(newest.nbf) },
    });
    return { kid: newest.kid, nbf: newest.nbf };
  };

  // Logs never carry a full number or ID number: every line is masked (packages/ops).
  const app = Fastify({
    logger: maskedLogger(deps.logger),
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { allowUnionTypes: true } },
    // Per-address limits need the client's address behind a load balancer (HC_TRUST_PROXY).
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
  });
  logError = (msg, err) => app.log.warn({ err }, msg);
  // The error handler, security headers, /metrics, /healthz and /readyz (packages/ops). Ready: SQL and the
  // key-value store answer, and the SMPP link (if any) is bound: login codes cannot go out otherwise.
  installOpsKit(app, {
    app: 'health-code',
    spools: () => spools,
    sms: deps.smsStatus,
    checks: { sql: { probe: () => sql.query('SELECT 1', [], { retry: false }) }, kv: { probe: () => kv.ping() } },
    // The pages with the QR scanner (packages/web health/lib/qr-scanner.ts), which compiles ZXing's WebAssembly.
    cspWasmPages: ['/health/scan.html', '/health/verify.html'],
  });
  app.decorate('healthCode', {
    keyring,
    auth,
    checkinWriter: writer,
    checkins,
    venues,
    retention,
    rotateKeys,
    reloadKeys,
    autoRotate: () => autoRotate(),
    flushStorage,
    revokeKey,
    revokeVenue,
  });

  app.get('/.well-known/health-code-keys.json', async (_req, reply) => {
    void reply.header('cache-control', `public, max-age=${config.jwksMaxAgeSeconds}`);
    return { issuer: `${config.cityName}${config.codeName}`, ...ring.jwks() };
  });

  app.get('/api/hc/v1/config', async () => ({
    cityName: config.cityName,
    codeName: config.codeName,
    itineraryCardUrl: config.itineraryCardUrl,
    codeTtlSeconds: config.codeTtlSeconds,
    jwksUrl: '/.well-known/health-code-keys.json',
    colourRules: config.colourRules,
    serverTime: clock.now(),
  }));

  // Server-side verification for devices that cannot verify Ed25519 themselves; shows only what the code carries.
  app.post(
    '/api/hc/v1/verify',
    {
      schema: {
        body: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (req) => {
      const text = (req.body as { code: string }).code;
      const token = extractToken(text);
      const r = token ? await ring.verify(token, clock.now()) : ({ ok: false, reason: 'malformed' } as const);
      if (!r.ok) {
        throw new AppError(r.reason === 'expired' ? 'HEALTH_CODE_EXPIRED' : 'HEALTH_CODE_FORGED', { reason: r.reason });
      }
      const p = r.payload;
      if (p.t === 'V') return { valid: true, type: 'venue', venueKind: p.kind, name: p.name, venueId: p.id };
      const colour = p.colour === 'g' ? 'green' : p.colour === 'y' ? 'yellow' : 'red';
      return {
        valid: true,
        type: 'person',
        colour,
        maskedName: p.name,
        // Absent for codes signed before the flag existed.
        ...(p.itinerary ? { itineraryVerified: p.itinerary === 'v' } : {}),
        issuedAt: p.iat * 1000,
        expiresAt: p.exp * 1000,
      };
    },
  );

  await app.register(async (scope) =>
    citizenRoutes(scope, {
      auth,
      people,
      checks,
      venues,
      checkins,
      throttle,
      personOf,
      kv,
      holderChanged: (personId, phone) => claims.holderChanged(personId, phone),
    }),
  );
  await app.register(async (scope) =>
    adminRoutes(scope, {
      adminToken: config.adminToken,
      now: () => clock.now(),
      areas,
      people,
      audit,
      rotateKeys,
      revokeKey,
      revokeVenue,
      venues,
      retention,
    }),
  );

  const outbox = deps.sms.list?.bind(deps.sms);
  if (config.devOutbox && outbox) {
    app.get('/dev/outbox', async (req) => outbox((req.query as { phone?: string }).phone));
  }

  if (config.webDist && existsSync(join(config.webDist, 'health'))) {
    await app.register(fastifyStatic, { root: join(config.webDist, 'health'), prefix: '/health/' });
    if (existsSync(join(config.webDist, 'assets'))) {
      await app.register(fastifyStatic, {
        root: join(config.webDist, 'assets'),
        prefix: '/assets/',
        decorateReply: false,
        immutable: true,
        maxAge: '1y',
        // The build's .br/.gz beside each asset: the scanner's WebAssembly is 946 KB, 322 KB in brotli.
        preCompressed: true,
      });
    }
    app.get('/', async (_req, reply) => reply.redirect('/health/'));
    // The site icon every browser asks for (drawn by packages/web's build).
    const icon = join(config.webDist, 'favicon.ico');
    app.get('/favicon.ico', async (_req, reply) =>
      existsSync(icon)
        ? reply
            .type('image/x-icon')
            .header('cache-control', 'public, max-age=86400')
            .send(await readFile(icon))
        : reply.callNotFound(),
    );
  }

  /** Rotates when the signing key is older than keyRotateDays and no successor is pending. */
  const autoRotate = async () => {
    if (config.keyRotateDays <= 0) return;
    const due = (r: Keyring) => {
      const now = clock.now();
      const current = r.signingKey(now);
      const pending = r.records().some((k) => !k.standby && k.nbf > now);
      return current !== undefined && !pending && now - current.nbf >= config.keyRotateDays * 86_400_000;
    };
    if (due(ring)) await rotateIf(due);
  };

  // Sessions and claim markers kept in memory are dropped at once when any replica ends, changes or claims one.
  await auth.start();
  await claims.start();
  const unsubscribe = await kv.subscribe(
    REVOCATIONS,
    (m) => void onRevocation(m).catch((e) => app.log.error({ err: e }, 'revocation not applied')),
    () => void onRevocation('key:*').catch((e) => app.log.error({ err: e }, 'key reload failed')),
  );
  const timers: NodeJS.Timeout[] = [];
  if (deps.timers !== false) {
    timers.push(
      setInterval(() => void autoRotate().catch((e) => app.log.error({ err: e }, 'key rotation failed')), 3_600_000),
    );
    timers.push(
      setInterval(() => void retention().catch((e) => app.log.error({ err: e }, 'retention failed')), 3_600_000),
    );
    timers.push(
      setInterval(() => void reloadKeys().catch((e) => app.log.error({ err: e }, 'key reload failed')), 60_000),
    );
    for (const t of timers) t.unref();
  }
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    await unsubscribe();
    await auth.stop();
    await claims.stop();
    await flushStorage();
  });
  return app;
}
