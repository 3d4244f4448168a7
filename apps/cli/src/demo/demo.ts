// `itinerary-card demo` (what `npm start` runs): the whole system in one process
// on embedded storage: a simulated world (or --input DIR), the three operator
// nodes' pipelines, the nodes, the query platform, the health-code system, the
// operations page; then the URLs and one phone number per interesting case.
// Its options are in commands/demo.ts; this module is loaded when it runs.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addDays,
  allRegions,
  beijingDate,
  type Clock,
  formatBeijing,
  OPERATORS,
  type Operator,
  offsetClock,
  provinceNameEn,
  systemClock,
} from '@itinerary-card/domain';
import { buildHealthCode, createHttpPartnerClient, embeddedConfig } from '@itinerary-card/health-code';
import { buildOperatorNode, SnapshotHolder } from '@itinerary-card/operator-node';
import type { Snapshot } from '@itinerary-card/pipeline';
import { buildPlatform, DEFAULT_OPTIONS, loadPortingRegistry } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { MemoryKeyValue, openSql, type Sql } from '@itinerary-card/store';
import { webDistDir } from '@itinerary-card/web';
import type { FastifyInstance } from 'fastify';
import { pickCases, readSubscribers } from './cases.ts';
import { type HealthCodeState, healthCodeState } from './health-state.ts';
import { opsRoutes } from './ops-routes.ts';
import { operatorsOf } from './split.ts';
import { loadNodeSnapshots, prepareWorld, scoreWorld } from './world.ts';

/** Consecutive ports the demo takes from `port`: the platform, the health code, then each operator's node. */
export const DEMO_PORTS = 2 + OPERATORS.length;

export interface DemoOptions {
  input?: string;
  subscribers: number;
  now?: number;
  /** The first of DEMO_PORTS ports. */
  port: number;
  host: string;
  seed: number;
  workDir: string;
}

/** Pads to a width in terminal columns: CJK characters take two. */
function padWide(s: string, width: number): string {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\uffef]/.test(ch) ? 2 : 1;
  return s + ' '.repeat(Math.max(1, width - w));
}

export interface RunningDemo {
  urls: Record<string, string>;
  adminToken: string;
  /** The prepared world: `nodes/<operator>/data` are the nodes' data directories. */
  worldDir: string;
  /** Settles when the world's accuracy is scored (after ready; close() waits for it too). */
  scored: Promise<void>;
  close(): Promise<void>;
}

export async function startDemo(
  o: DemoOptions,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<RunningDemo> {
  const t0 = performance.now();
  const clock: Clock = o.now === undefined ? systemClock : offsetClock(o.now);
  const date = beijingDate(clock.now());
  // The platform's and the health-code system's embedded databases start in worker threads
  // while the world is prepared (PGlite's start took seconds of the main thread after it).
  const hcState = healthCodeState(o.workDir);
  const databases = openAll([openSql({ worker: true }), openSql({ worker: true, dataDir: hcState.dataDir })]);
  databases.catch(() => undefined); // (awaited below; a failure meanwhile is not unhandled)
  let world: Awaited<ReturnType<typeof prepareWorld>>;
  try {
    world = await prepareWorld(
      { workRoot: o.workDir, date, input: o.input, subscribers: o.subscribers, seed: o.seed },
      (l) => process.stderr.write(`${l}\n`),
    );
  } catch (e) {
    await databases.then(
      (dbs) => Promise.all(dbs.map((db) => db.close())),
      () => undefined,
    );
    throw e;
  }
  const [platformSql, hcSql] = await databases;
  const closers: Array<() => Promise<unknown>> = [() => hcSql.close(), () => platformSql.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    // Operator nodes: internal API on loopback, each holding its snapshots of D-1 and D.
    const serviceSecret = randomBytes(24).toString('base64url');
    const updateTimeMs = DEFAULT_OPTIONS.updateTimeMs;
    const nodes: Partial<Record<Operator, { url: string; nodeId: string }>> = {};
    const served: Partial<Record<Operator, Snapshot>> = {};
    for (const [i, op] of OPERATORS.entries()) {
      const holder = new SnapshotHolder();
      for (const s of loadNodeSnapshots(world, op, updateTimeMs)) {
        holder.publish(s);
        served[op] = s;
      }
      const node = await buildOperatorNode({ nodeId: `${op}-1`, serviceSecret, holder, clock });
      closers.push(() => node.close());
      // Fixed ports after the platform's and the health-code system's: --port+2, +3, +4.
      nodes[op] = { url: await node.listen({ host: '127.0.0.1', port: o.port + 2 + i }), nodeId: `${op}-1` };
    }

    // The query platform: PGlite, in-memory key-value, development outbox.
    const adminToken = randomBytes(18).toString('base64url');
    const outbox = new OutboxTransport({ clock });
    closers.push(() => outbox.close());
    const platformKv = new MemoryKeyValue(() => clock.now());
    closers.push(() => platformKv.close());
    const platform = await buildPlatform({
      sql: platformSql,
      kv: platformKv,
      sms: outbox,
      outbox,
      // Receipts by state for /metrics and the operations page's delivery rate.
      smsStatus: { receipts: outbox.receipts },
      nodes,
      clock,
      // With --now a browser on real time can still query: its clock may follow either one
      // (within the usual skew); a phone clock off from both gets 非法访问 (ILLEGAL_ACCESS).
      ...(o.now === undefined ? {} : { realClock: systemClock }),
      options: {
        secretKey: randomBytes(24).toString('base64url'),
        serviceSecret,
        adminToken,
        webDist: webDistDir,
        // The demo's SMS channel is the HTTP form with the outbox: its `from` is taken on trust.
        smsInboundOpen: true,
      },
      logger: { level: 'warn' },
    });
    closers.push(() => platform.close());
    const subscribersCsv = readFileSync(join(world.inputDir, 'subscribers.csv'), 'utf8');
    const owner = operatorsOf(subscribersCsv);
    await platform.register(async (scope) =>
      opsRoutes(scope, platform.platform, {
        world,
        adminToken,
        webDist: webDistDir,
        owner,
        snapshots: served,
        now: () => clock.now(),
      }),
    );
    const platformUrl = await platform.listen({ host: o.host, port: o.port });
    await loadPortingRegistry(platform.platform, subscribersCsv, { replace: true, actor: 'demo' });

    // The health-code system, a partner of the platform.
    const hcUrl = await startHealthCodeSystem({
      platform,
      platformUrl,
      adminToken,
      clock,
      outbox,
      closers,
      o,
      state: hcState,
      sql: hcSql,
    });

    // The table of numbers, checked against what the nodes answer.
    const subs = readSubscribers(subscribersCsv, world.truthFile);
    const pick = pickCases(subs, (msisdn, op, days) => served[op]?.lookup(msisdn, days));
    await hcUrl.listEpidemicAreas(pick.epidemicProvince, date);
    const marked = await markRiskAreas(platform, adminToken, pick.epidemicProvince, date);

    const urls: Record<string, string> = {
      card: `${platformUrl}/`,
      help: `${platformUrl}/help`,
      docs: `${platformUrl}/docs`,
      outbox: `${platformUrl}/dev/outbox`,
      metrics: `${platformUrl}/metrics`,
      readyz: `${platformUrl}/readyz`,
      ops: `${platformUrl}/ops/#token=${adminToken}`,
      healthCode: `${hcUrl.url}/health/`,
      healthOutbox: `${hcUrl.url}/dev/outbox`,
      healthMetrics: `${hcUrl.url}/metrics`,
      healthReadyz: `${hcUrl.url}/readyz`,
    };
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const lines = [
      '',
      `Itinerary Card demo is running (${world.reused ? 'prepared world reused' : 'world prepared'}, ready in ${seconds} s)`,
      `  query day ${date}, Beijing time ${formatBeijing(clock.now())}${o.now === undefined ? '' : ' (--now; a phone clock within 5 minutes of this clock or of the real time may query)'}`,
      `  data      ${world.simulated ? `simulated world of ${owner.size} subscribers` : `input ${world.inputDir}`} in ${world.dir}`,
      '',
      ...(
        [
          ['Itinerary card (H5)', urls.card],
          ['Help', urls.help],
          ['API (OpenAPI)', urls.docs],
          ['SMS outbox (dev)', `${urls.outbox}?phone=<number>   (login codes and CXMYD replies)`],
          ['Health code (昌通码)', urls.healthCode],
          ['Health-code SMS outbox', urls.healthOutbox],
          ['Operations page', urls.ops],
          ['Metrics / readiness', `${urls.metrics}  ${urls.readyz}`],
          [
            'Operator nodes',
            Object.entries(nodes)
              .map(([op, n]) => `${op} ${n!.url}`)
              .join('  '),
          ],
          ['Health-code metrics', `${urls.healthMetrics}  ${urls.healthReadyz}`],
        ] as const
      ).map(([label, url]) => `  ${padWide(label, 24)}${url}`),
      `  Admin token             ${adminToken}   (platform /api/v1/admin/* and /ops)`,
      '',
      '  Numbers to try (log in with the code from the SMS outbox):',
      ...pick.cases.map((c) => `    ${c.msisdn}  ${c.operator}  ${padWide(c.label, 44)} ${c.expect}`),
      '',
      `  Epidemic areas of the health-code city: ${provinceNameEn(pick.epidemicProvince.name)} (${pick.epidemicProvince.name} on its pages) and abroad (境外), since ${addDays(date, -30)}`,
      `  Risk areas of the platform: the same ${marked} cities of ${provinceNameEn(pick.epidemicProvince.name)}; the card marks them with * (as in the table above)`,
      '  SMS channel: POST /api/v1/sms/inbound {"from":"<number>","to":"10086","text":"CXMYD"} (its operator\'s code: cmcc 10086, cucc 10010, ctcc 10000), reply in the outbox.',
      '  Press Ctrl+C to stop.',
      '',
    ];
    out(`${lines.join('\n')}\n`);
    // The accuracy on the simulated world (the operations page, ready.json) is scored once ready.
    const scored = scoreWorld(world, (op) => (served[op]?.date === date ? served[op] : undefined)).catch((e) => {
      process.stderr.write(`Scoring the world failed: ${(e as Error).message}\n`);
    });
    closers.push(() => scored);
    return { urls, adminToken, worldDir: world.dir, scored, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens every database, or closes those that opened and throws the first failure. */
async function openAll(opening: Array<Promise<Sql>>): Promise<Sql[]> {
  const settled = await Promise.allSettled(opening);
  const failed = settled.find((r) => r.status === 'rejected');
  if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<Sql>).value);
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.close().catch(() => {}) : undefined)));
  throw failed.reason;
}

/**
 * The platform's risk areas for the health code's epidemic province, one per city, so
 * the card marks (*) the same places that turn the health code red. Returns how many.
 */
async function markRiskAreas(
  platform: FastifyInstance,
  adminToken: string,
  province: { code: string; name: string },
  date: string,
): Promise<number> {
  const cities = [...allRegions().values()].filter((r) => r.code.slice(0, 2) === province.code.slice(0, 2));
  for (const c of cities) {
    const r = await platform.inject({
      method: 'POST',
      url: '/api/v1/admin/risk-areas',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: {
        cityCode: c.code,
        area: `${c.city}（${province.name}，昌通码疫区）`,
        level: 'high',
        effectiveFrom: `${addDays(date, -30)}T00:00:00+08:00`,
      },
    });
    if (r.statusCode !== 201) throw new Error(`risk area not added: ${r.statusCode} ${r.body}`);
  }
  return cities.length;
}

async function startHealthCodeSystem(a: {
  platform: FastifyInstance;
  platformUrl: string;
  adminToken: string;
  clock: Clock;
  outbox: OutboxTransport;
  closers: Array<() => Promise<unknown>>;
  o: DemoOptions;
  /** Its state under the work directory, and its database (opened on the state's data directory). */
  state: HealthCodeState;
  sql: Sql;
}): Promise<{ url: string; listEpidemicAreas(p: { code: string }, date: string): Promise<void> }> {
  const reg = await a.platform.inject({
    method: 'POST',
    url: '/api/v1/admin/partners',
    headers: { authorization: `Bearer ${a.adminToken}` },
    payload: { clientId: 'changtong-health', name: '昌通码' },
  });
  if (reg.statusCode !== 201) throw new Error(`partner registration failed: ${reg.statusCode} ${reg.body}`);
  const port = a.o.port + 1;
  const publicUrl = `http://${a.o.host === '0.0.0.0' ? '127.0.0.1' : a.o.host}:${port}`;
  // Kept under the work directory: holders, venues, check-ins and the signing keys survive a restart.
  const { state, sql } = a;
  const config = embeddedConfig({
    publicUrl,
    itineraryCardUrl: `${a.platformUrl}/`,
    partner: { baseUrl: a.platformUrl, clientId: 'changtong-health', clientSecret: reg.json().clientSecret },
    webDist: webDistDir,
    keySecret: state.keySecret,
  });
  const kv = new MemoryKeyValue(() => a.clock.now());
  a.closers.push(() => kv.close());
  const app = await buildHealthCode({
    sql,
    kv,
    clock: a.clock,
    sms: a.outbox,
    partner: createHttpPartnerClient({ ...config.partner, now: () => a.clock.now() }),
    config,
    logger: { level: 'warn' },
  });
  a.closers.push(() => app.close());
  await app.listen({ host: a.o.host, port });
  return {
    url: publicUrl,
    async listEpidemicAreas(p, date) {
      const listed = await app.inject({
        method: 'GET',
        url: '/api/hc/v1/admin/epidemic-areas',
        headers: { authorization: `Bearer ${config.adminToken}` },
      });
      const have = (listed.json() as { areas: Array<{ scope: string; code: string; to: string | null }> }).areas;
      for (const payload of [
        { scope: 'province', code: p.code, from: addDays(date, -30) },
        { scope: 'abroad', code: '', from: addDays(date, -30) },
      ]) {
        // A restarted demo keeps its list: add only what is not listed and in force already.
        if (have.some((x) => x.scope === payload.scope && x.code === payload.code && x.to === null)) continue;
        const r = await app.inject({
          method: 'POST',
          url: '/api/hc/v1/admin/epidemic-areas',
          headers: { authorization: `Bearer ${config.adminToken}` },
          payload,
        });
        if (r.statusCode !== 201) throw new Error(`epidemic area not listed: ${r.statusCode} ${r.body}`);
      }
    },
  };
}
