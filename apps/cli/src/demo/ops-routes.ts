// The operations page of the demo, served by the platform under /ops: the page
// itself (public; packages/web/dist/ops) and its data behind the admin token:
// pipeline runs per operator and day, accuracy on the simulated world, query
// volumes and error rates sampled from the platform's /metrics registry, the
// map base, and one subscriber's day-by-day itinerary (audited).
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AppError,
  addDays,
  countryName,
  MSISDN_RE,
  maskPhone,
  type Operator,
  regionByCode,
} from '@itinerary-card/domain';
import { pseudonymizer, type Snapshot } from '@itinerary-card/pipeline';
import type { PlatformServices } from '@itinerary-card/platform';
import { loadCities } from '@itinerary-card/simulator';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { smsDeliveryRoute } from './sms-delivery.ts';
import { type DemoWorld, nodeDataDir } from './world.ts';

export interface OpsDeps {
  world: DemoWorld;
  adminToken: string;
  webDist: string;
  /** Subscriber → operator, from the registry. */
  owner: Map<string, Operator>;
  snapshots: Partial<Record<Operator, Snapshot>>;
  now: () => number;
}

interface TrafficSample {
  at: number;
  /** Requests by route group since the previous sample, and how many of them failed (status >= 500, or 4xx). */
  routes: Record<string, { total: number; client: number; server: number }>;
}

const ROUTE_GROUPS: Record<string, string> = {
  '/api/v1/itinerary': 'itinerary',
  '/api/v1/sms-code': 'sms-code',
  '/api/v1/login': 'login',
  '/api/v1/sms/inbound': 'sms-inbound',
  '/api/v1/partner/itinerary': 'partner',
  '/api/v1/partner/consents': 'partner',
  '/api/v1/partner/token': 'partner',
  '/api/v1/partner/grants/sms-code': 'partner',
  '/api/v1/partner/grants': 'partner',
};

async function counters(registry: Registry): Promise<Map<string, { total: number; client: number; server: number }>> {
  const out = new Map<string, { total: number; client: number; server: number }>();
  const all = await registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === 'http_requests_total');
  for (const v of (m?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>) {
    const group = ROUTE_GROUPS[String(v.labels.route)];
    if (!group) continue;
    const c = out.get(group) ?? { total: 0, client: 0, server: 0 };
    const status = Number(v.labels.status);
    c.total += v.value;
    if (status >= 500) c.server += v.value;
    else if (status >= 400) c.client += v.value;
    out.set(group, c);
  }
  return out;
}

/** Border segments between neighbouring cities and city centroids: the offline map base. */
function mapBase() {
  const cities = loadCities();
  const seen = new Set<string>();
  const borders: Array<Array<[number, number]>> = [];
  for (const c of cities) {
    for (const n of c.neighbours) {
      const other = cities[n.idx]!.code;
      const key = c.code < other ? `${c.code}-${other}` : `${other}-${c.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
      borders.push(n.border.map(([lat, lon]) => [Math.round(lon * 100) / 100, Math.round(lat * 100) / 100]));
    }
  }
  return {
    source:
      'city centroids and shared borders of packages/simulator/data/china-cities.json (no province outlines offline)',
    cities: cities.map((c) => ({ code: c.code, name: c.name, lon: c.lon, lat: c.lat })),
    borders,
  };
}

export async function opsRoutes(app: FastifyInstance, services: PlatformServices, d: OpsDeps): Promise<void> {
  const want = Buffer.from(`Bearer ${d.adminToken}`);
  const requireAdmin = async (req: { headers: { authorization?: string } }) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AppError('UNAUTHENTICATED');
  };

  // Query volumes: a sample of the request counters every 5 s, the last hour kept.
  const samples: TrafficSample[] = [];
  let last = new Map<string, { total: number; client: number; server: number }>();
  const sample = async () => {
    const now = await counters(app.metrics);
    const routes: TrafficSample['routes'] = {};
    for (const [g, c] of now) {
      const p = last.get(g) ?? { total: 0, client: 0, server: 0 };
      routes[g] = { total: c.total - p.total, client: c.client - p.client, server: c.server - p.server };
    }
    last = now;
    samples.push({ at: d.now(), routes });
    if (samples.length > 720) samples.shift();
  };
  const timer = setInterval(() => {
    sample().catch((err: unknown) => app.log.error({ err }, 'traffic sample failed'));
  }, 5_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  const page = join(d.webDist, 'ops', 'index.html');
  app.get('/ops', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ops/'));
  app.get('/ops/', { schema: { hide: true } }, async (_req, reply) => {
    if (!existsSync(page))
      return reply.status(404).type('text/plain').send('ops page not built: npm run build -w @itinerary-card/web');
    return reply.type('text/html; charset=utf-8').send(await readFile(page));
  });

  app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin);
    scope.get('/ops/api/overview', { schema: { hide: true } }, async () => ({
      date: d.world.date,
      simulated: d.world.simulated,
      subscribers: d.owner.size,
      timings: d.world.timings,
      runs: d.world.runs.map((r) => ({
        operator: r.operator,
        day: r.day,
        recordsRead: r.recordsRead,
        recordsUsed: r.recordsUsed,
        rejected: r.rejected,
        subscribers: r.subscribers,
        subscribersWithRecords: r.subscribersWithRecords,
        durationMs: r.durationMs,
      })),
      accuracy: d.world.accuracy
        ? Object.fromEntries(
            Object.entries(d.world.accuracy).map(([k, a]) => [
              k,
              {
                days: a.days,
                subscribers: a.subscribers,
                cities: a.cities,
                countries: a.countries,
                status: { accuracy: a.status.accuracy, correct: a.status.correct, total: a.status.total },
                byPersona: a.byPersona,
                byBorderKm: a.byBorderKm,
                ...(a.coverage ? { coverage: a.coverage } : {}),
              },
            ]),
          )
        : null,
    }));
    scope.get('/ops/api/traffic', { schema: { hide: true } }, async () => {
      const totals = Object.fromEntries(await counters(app.metrics));
      return { intervalMs: 5_000, samples, totals };
    });
    smsDeliveryRoute(scope, app.metrics);
    let base: ReturnType<typeof mapBase> | undefined;
    scope.get('/ops/api/geo', { schema: { hide: true } }, async () => {
      base ??= mapBase();
      return base;
    });
    scope.get<{ Params: { msisdn: string } }>(
      '/ops/api/itinerary/:msisdn',
      { schema: { hide: true, params: { type: 'object', properties: { msisdn: { type: 'string' } } } } },
      async (req) => {
        const msisdn = req.params.msisdn;
        if (!MSISDN_RE.test(msisdn)) throw new AppError('INVALID_PHONE');
        const op = d.owner.get(msisdn);
        await services.audit.write({
          actorType: 'admin',
          actor: 'ops',
          action: 'ops.itinerary',
          msisdn,
          outcome: op ? 'ok' : 'NOT_FOUND',
        });
        if (!op) throw new AppError('NOT_FOUND');
        const snap = d.snapshots[op];
        const key = pseudonymizer(d.world.pseudonymKeys[op]);
        // A secondary number's days are its primary's: the snapshot already answers for it; the days come from the primary.
        const p = key(msisdn);
        const days: Array<{ day: string; cities: Array<{ code: string; name: string }>; countries: string[] }> = [];
        for (let i = 14; i >= 1; i--) {
          const day = addDays(d.world.date, -i);
          const path = join(nodeDataDir(d.world, op), 'days', day, 'summary.jsonl');
          if (!existsSync(path)) continue;
          const text = readFileSync(path, 'utf8');
          const at = text.indexOf(`{"p":"${p}"`);
          if (at < 0) {
            days.push({ day, cities: [], countries: [] });
            continue;
          }
          const row = JSON.parse(text.slice(at, text.indexOf('\n', at))) as { c: string[]; k: string[] };
          days.push({
            day,
            cities: row.c.map((code) => ({ code, name: regionByCode(code)?.city ?? code })),
            countries: row.k.map((c) => countryName(c)),
          });
        }
        const a7 = snap?.lookup(msisdn, 7);
        const a14 = snap?.lookup(msisdn, 14);
        const window = (a: typeof a7) => a && { status: a.status, cities: a.cities, countries: a.countries };
        return { phone: maskPhone(msisdn), operator: op, kind: a7?.kind, days, w7: window(a7), w14: window(a14) };
      },
    );
  });
}
