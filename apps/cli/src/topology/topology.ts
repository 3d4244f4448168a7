// The documented deployment on one machine (docs/deployment.md, "Several
// operator shards and platform replicas"): a simulated world; each operator's
// input split into shards by subscriber and run through its own daily pipeline;
// PostgreSQL and Redis; one `serve node` per shard, two `serve platform` and
// two `serve health-code` replicas; HAProxy in front of the replicas and
// routing the platform's node calls to the shards. Everything on loopback, in
// one temporary directory, every process its own.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, beijingDate, HOUR_MS, OPERATORS, type Operator } from '@itinerary-card/domain';
import { runSchedule } from '@itinerary-card/pipeline';
import { servingDay } from '@itinerary-card/platform';
import { simulate } from '@itinerary-card/simulator';
import { freePort, startPostgres, startRedis, type TestServer } from '@itinerary-card/store/testing';
import { webDistDir } from '@itinerary-card/web';
import { readTopologyConfig } from '../config.ts';
import { operatorsOf, splitSignaling } from '../demo/split.ts';
import { splitInputByShard } from '../shard-split.ts';
import { haproxyConfig } from './haproxy-config.ts';
import { ServiceProcess } from './service-process.ts';

// The processes run what this one runs: the compiled CLI, or (tests, tsx) its sources.
const CLI = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../../bin/itinerary-card-dev.js' : '../../bin/itinerary-card.js',
    import.meta.url,
  ),
);
const HOST = '127.0.0.1';

export interface TopologyOptions {
  /** An empty directory for everything (world, shards, data, logs, servers). */
  workDir: string;
  subscribers: number;
  /** Simulated days up to yesterday (8: the 7-day window and the day before it). */
  days: number;
  seed: string;
  /** Shards per operator. */
  shards: number;
  /** Port of the platform's front; the health code's is the next, HAProxy's stats page the one after. 0: any free ports. */
  port: number;
  /** Extra environment of the platform replicas (e.g. PLATFORM_ANSWER_CACHE_MS, per-IP limits for a load test). */
  platformEnv?: Record<string, string>;
  /** Extra environment of the health-code replicas. */
  healthCodeEnv?: Record<string, string>;
  log: (line: string) => void;
  /** Aborting stops the start between steps and everything started so far. */
  signal?: AbortSignal;
}

export interface Topology {
  urls: { platform: string; healthCode: string; stats: string; nodes: Record<Operator, string> };
  /** Restartable with its data (`down`, `up`); files in the work directory's postgresql/. */
  postgres: TestServer;
  /** The platform's and the health code's databases on `postgres`. */
  databases: { platform: string; healthCode: string };
  /** With an append-only file, so a restart (`down`, `up`) loses nothing; files in redis/. */
  redis: TestServer;
  haproxy: ServiceProcess;
  platform: ServiceProcess[];
  healthCode: ServiceProcess[];
  /** Each operator's shards, shard k at index k. */
  shards: Record<Operator, ServiceProcess[]>;
  /** Each replica's own URL, by process name (the dev outboxes are per process). */
  direct: Record<string, string>;
  adminToken: string;
  healthCodeAdminToken: string;
  /** The simulated world's subscribers.csv (every operator). */
  subscribersCsv: string;
  /** The query day the shards publish and the platform serves. */
  date: string;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/** Each operator's input (its own subscribers, its own signaling), split into shards; returns the shard input dirs. */
async function shardInputs(work: string, inputDir: string, shards: number): Promise<Record<Operator, string[]>> {
  const subscribersCsv = readFileSync(join(inputDir, 'subscribers.csv'), 'utf8');
  await splitSignaling(join(inputDir, 'signaling'), operatorsOf(subscribersCsv), join(work, 'split'));
  const [header, ...rows] = subscribersCsv.split('\n').filter((l) => l.trim() !== '');
  const opCol = header!.split(',').indexOf('operator');
  const out = {} as Record<Operator, string[]>;
  for (const op of OPERATORS) {
    const input = join(work, 'operators', op, 'input');
    mkdirSync(input, { recursive: true });
    copyFileSync(join(inputDir, 'cells.csv'), join(input, 'cells.csv'));
    writeFileSync(
      join(input, 'subscribers.csv'),
      `${header}\n${rows.filter((r) => r.split(',')[opCol] === op).join('\n')}\n`,
    );
    symlinkSync(join(work, 'split', op), join(input, 'signaling'));
    await splitInputByShard(input, shards, join(work, 'operators', op, 'shards'));
    out[op] = Array.from({ length: shards }, (_, k) => join(work, 'operators', op, 'shards', `shard-${k}`));
  }
  return out;
}

const secret = () => randomBytes(24).toString('base64url');

async function post(url: string, token: string, body: string, type = 'application/json'): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body,
  });
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

export async function startTopology(o: TopologyOptions): Promise<Topology> {
  const timings: Record<string, number> = {};
  const work = o.workDir;
  const logs = join(work, 'logs');
  mkdirSync(logs, { recursive: true });
  // PostgreSQL runs as the postgres user when this runs as root: it must reach its directory.
  chmodSync(work, 0o755);
  const processes: ServiceProcess[] = [];
  const stores: TestServer[] = [];
  const stopAll = async () => {
    // Apps first (they flush to the stores), then the proxy, then the stores.
    const apps = processes.filter((p) => p.name !== 'haproxy');
    await Promise.all(apps.map((p) => p.stop('SIGTERM')));
    await Promise.all(processes.filter((p) => p.name === 'haproxy').map((p) => p.stop('SIGTERM')));
    for (const p of processes) p.close();
    await Promise.all(stores.map((s) => s.stop()));
  };

  try {
    // 1. The world and the pipelines: each shard its own input, data directory and daily runs.
    let t0 = performance.now();
    // The query day served now; the world ends yesterday (Beijing), the last day the schedule runs
    // (before the 08:00 update that is the query day itself).
    const date = servingDay(Date.now(), 8 * HOUR_MS);
    const endDate = addDays(beijingDate(Date.now()), -1);
    const firstDay = addDays(endDate, 1 - o.days);
    o.log(`Simulating ${o.subscribers} subscribers x ${o.days} days (${firstDay} … ${endDate})`);
    const world = await simulate({
      out: join(work, 'world'),
      subscribers: o.subscribers,
      days: o.days,
      endDate,
      seed: o.seed,
      format: 'csv.gz',
    });
    timings.simulateMs = Math.round(performance.now() - t0);
    t0 = performance.now();
    const inputs = await shardInputs(work, world.inputDir, o.shards);
    timings.shardMs = Math.round(performance.now() - t0);
    o.signal?.throwIfAborted();
    t0 = performance.now();
    o.log(`Running ${OPERATORS.length} operators x ${o.shards} shards' daily pipelines`);
    const pseudonymKeys = Object.fromEntries(OPERATORS.map((op) => [op, secret()])) as Record<Operator, string>;
    const dataDir = (op: Operator, k: number) => join(work, 'operators', op, `data-${k}`);
    await Promise.all(
      OPERATORS.flatMap((op) =>
        inputs[op].map((input, k) =>
          runSchedule({
            input,
            data: dataDir(op, k),
            operator: op,
            pseudonymKey: pseudonymKeys[op],
            now: Date.now(),
            updateTime: '08:00',
            retentionDays: 15,
            firstDay,
          }).then((r) => {
            for (const w of r.warnings)
              o.log(`  ${op} shard ${k}: ${w.code} ${w.day ?? w.file ?? ''} ${w.reason ?? ''}`);
            if (r.published !== date)
              throw new Error(`${op} shard ${k}: the pipeline published no snapshot for ${date}`);
          }),
        ),
      ),
    );
    timings.pipelinesMs = Math.round(performance.now() - t0);
    o.log(
      `  simulated in ${timings.simulateMs} ms, split in ${timings.shardMs} ms, pipelines in ${timings.pipelinesMs} ms`,
    );
    o.signal?.throwIfAborted();

    // 2. PostgreSQL (as the repository's test servers: no fsync, a temporary cluster; room for
    // every replica's pool) and Redis (an append-only file, as a production Redis holding sessions).
    t0 = performance.now();
    const [pgStarted, redisStarted] = await Promise.allSettled([
      startPostgres({ dir: join(work, 'postgresql'), maxConnections: 200, databases: ['platform', 'healthcode'] }),
      startRedis({ dir: join(work, 'redis'), appendOnly: true }),
    ]);
    for (const r of [pgStarted, redisStarted]) if (r.status === 'fulfilled') stores.push(r.value);
    if (pgStarted.status === 'rejected') throw pgStarted.reason;
    if (redisStarted.status === 'rejected') throw redisStarted.reason;
    const postgres = pgStarted.value;
    const redis = redisStarted.value;
    const databases = {
      platform: new URL('platform', postgres.url).href,
      healthCode: new URL('healthcode', postgres.url).href,
    };
    timings.storesMs = Math.round(performance.now() - t0);
    o.signal?.throwIfAborted();

    // 3. Ports, secrets, HAProxy.
    t0 = performance.now();
    const port = (n: number) => (o.port ? Promise.resolve(o.port + n) : freePort());
    const free = async (n: number) => Promise.all(Array.from({ length: n }, () => freePort()));
    const platformPorts = await free(2);
    const healthCodePorts = await free(2);
    const shardPorts = Object.fromEntries(
      await Promise.all(OPERATORS.map(async (op) => [op, await free(o.shards)] as const)),
    ) as Record<Operator, number[]>;
    const serviceSecret = secret();
    const adminToken = secret();
    const healthCodeAdminToken = secret();
    const serve = (
      name: string,
      what: string,
      env: Record<string, string>,
      readyUrl: string,
      readyBody?: (b: string) => boolean,
    ) => {
      const p = new ServiceProcess({
        name,
        command: process.execPath,
        args: [CLI, 'serve', what],
        env,
        readyUrl,
        readyBody,
        logFile: join(logs, `${name}.log`),
      });
      processes.push(p);
      return p;
    };

    // 4. The shards: one `serve node` each, on its own data directory.
    const shards = {} as Record<Operator, ServiceProcess[]>;
    const direct: Record<string, string> = {};
    for (const op of OPERATORS) {
      shards[op] = shardPorts[op].map((p, k) => {
        direct[`${op}-shard${k}`] = `http://${HOST}:${p}`;
        return serve(
          `${op}-shard${k}`,
          'node',
          {
            NODE_OPERATOR: op,
            NODE_HOST: HOST,
            NODE_PORT: String(p),
            NODE_SERVICE_SECRET: serviceSecret,
            NODE_DATA_DIR: dataDir(op, k),
            NODE_PSEUDONYM_KEY: pseudonymKeys[op],
          },
          `http://${HOST}:${p}/healthz`,
          (body) => JSON.parse(body).snapshot === date,
        );
      });
    }
    await Promise.all(OPERATORS.flatMap((op) => shards[op].map((s) => s.start(undefined, o.signal))));
    o.signal?.throwIfAborted();
    // HAProxy's fronts: a free port may be taken before HAProxy binds it (this machine is shared), then new ones.
    let haproxy: ServiceProcess | undefined;
    let fronts: { platform: number; healthCode: number; stats: number; nodes: number[] } | undefined;
    const cfg = join(work, 'haproxy.cfg');
    for (let attempt = 1; !haproxy; attempt++) {
      const f = {
        platform: await port(0),
        healthCode: await port(1),
        stats: await port(2),
        nodes: await free(OPERATORS.length),
      };
      writeFileSync(
        cfg,
        haproxyConfig({
          platformPort: f.platform,
          healthCodePort: f.healthCode,
          statsPort: f.stats,
          socket: join(work, 'haproxy.sock'),
          platform: platformPorts,
          healthCode: healthCodePorts,
          nodes: OPERATORS.map((op, i) => ({ operator: op, port: f.nodes[i]!, shards: shardPorts[op] })),
        }),
      );
      const p = new ServiceProcess({
        name: 'haproxy',
        command: readTopologyConfig().haproxyBin,
        args: ['-db', '-f', cfg],
        env: {},
        readyUrl: `http://${HOST}:${f.stats}/`,
        logFile: join(logs, 'haproxy.log'),
      });
      try {
        await p.start(undefined, o.signal);
        haproxy = p;
        fronts = f;
      } catch (e) {
        await p.stop('SIGTERM');
        p.close();
        const inUse = readFileSync(join(logs, 'haproxy.log'), 'utf8').includes('Address already in use');
        if (!inUse || o.port || attempt >= 5) throw e;
      }
    }
    processes.push(haproxy);
    const platformUrl = `http://${HOST}:${fronts!.platform}`;
    const healthCodeUrl = `http://${HOST}:${fronts!.healthCode}`;
    const statsPort = fronts!.stats;
    const nodeUrls = Object.fromEntries(OPERATORS.map((op, i) => [op, `http://${HOST}:${fronts!.nodes[i]}`])) as Record<
      Operator,
      string
    >;

    // 5. The platform replicas, on the shared stores, each operator's node URL the proxy's front.
    const platformEnv: Record<string, string> = {
      PLATFORM_HOST: HOST,
      PLATFORM_SECRET_KEY: secret(),
      PLATFORM_SERVICE_SECRET: serviceSecret,
      PLATFORM_ADMIN_TOKEN: adminToken,
      PLATFORM_SMS: 'outbox',
      PLATFORM_TRUST_PROXY: HOST,
      // Draining on SIGTERM: out of HAProxy's rotation (checks every 500 ms, 2 failures) before closing.
      SERVE_DRAIN_MS: '1500',
      // One spool per host, shared by the replicas on it (told apart by process id), inside the work directory.
      PLATFORM_SPOOL_DIR: join(work, 'spool', 'platform'),
      DATABASE_URL: databases.platform,
      REDIS_URL: redis.url,
      ...Object.fromEntries(
        OPERATORS.flatMap((op) => [
          [`PLATFORM_NODE_${op.toUpperCase()}`, nodeUrls[op]],
          [`PLATFORM_NODE_${op.toUpperCase()}_SHARDS`, String(o.shards)],
        ]),
      ),
      ...o.platformEnv,
    };
    const platform = platformPorts.map((p, i) => {
      direct[`platform-${i + 1}`] = `http://${HOST}:${p}`;
      return serve(
        `platform-${i + 1}`,
        'platform',
        { ...platformEnv, PLATFORM_PORT: String(p) },
        `http://${HOST}:${p}/readyz`,
      );
    });
    await Promise.all(platform.map((p) => p.start(undefined, o.signal)));
    o.signal?.throwIfAborted();
    const subscribersCsv = readFileSync(join(world.inputDir, 'subscribers.csv'), 'utf8');
    await post(`${platformUrl}/api/v1/admin/porting?replace=true`, adminToken, subscribersCsv, 'text/csv');
    const partner = (await post(
      `${platformUrl}/api/v1/admin/partners`,
      adminToken,
      JSON.stringify({ clientId: 'nanchang-hc', name: '南昌市 昌通码' }),
    )) as { clientSecret: string };

    // 6. The health-code replicas: their own database and Redis prefix, the platform's partner API through the proxy.
    const healthCodeEnv: Record<string, string> = {
      HC_HOST: HOST,
      HC_PUBLIC_URL: healthCodeUrl,
      HC_ITINERARY_CARD_URL: `${platformUrl}/`,
      HC_KEY_SECRET: secret(),
      HC_ADMIN_TOKEN: healthCodeAdminToken,
      HC_PARTNER_URL: platformUrl,
      HC_PARTNER_CLIENT_ID: 'nanchang-hc',
      HC_PARTNER_CLIENT_SECRET: partner.clientSecret,
      HC_DATABASE_URL: databases.healthCode,
      HC_REDIS_URL: redis.url,
      HC_DEV_OUTBOX: '1',
      // The pages at /health/, as the platform serves the card's (its default is this directory too).
      HC_WEB_DIST: webDistDir,
      SERVE_DRAIN_MS: '1500',
      HC_SPOOL_DIR: join(work, 'spool', 'health-code'),
      ...o.healthCodeEnv,
    };
    const healthCode = healthCodePorts.map((p, i) => {
      direct[`health-code-${i + 1}`] = `http://${HOST}:${p}`;
      return serve(
        `health-code-${i + 1}`,
        'health-code',
        { ...healthCodeEnv, HC_PORT: String(p) },
        `http://${HOST}:${p}/readyz`,
      );
    });
    // The first replica creates the tables and the signing key; the second starts on them.
    await healthCode[0]!.start(undefined, o.signal);
    await healthCode[1]!.start(undefined, o.signal);
    timings.processesMs = Math.round(performance.now() - t0);
    o.signal?.throwIfAborted();

    return {
      urls: {
        platform: platformUrl,
        healthCode: healthCodeUrl,
        stats: `http://${HOST}:${statsPort}/`,
        nodes: nodeUrls,
      },
      postgres,
      databases,
      redis,
      haproxy,
      platform,
      healthCode,
      shards,
      direct,
      adminToken,
      healthCodeAdminToken,
      subscribersCsv,
      date,
      timings,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
