// Query platform under load over loopback: authenticated itinerary queries
// (platform → operator node in its own process) and SMS-code requests (dev
// outbox), each against a bare Fastify hello-world measured in the same run.
// Itinerary queries are measured in two configurations, each judged (issue 26):
// - production, the platform as it is deployed (`itinerary-card serve platform`:
//   PLATFORM_WORKERS processes, Redis and PostgreSQL, all on this machine):
//   >= 40% of hello-world req/s, p99 < 10 ms at 40% of the hello-world rate, no
//   errors.
// - embedded, the one-command demo's single process (PGlite in a worker thread,
//   in-memory state): >= 40%, p99 < 20 ms at 40% of the hello-world rate, no
//   errors. That load is 60-70% of what one process handles closed-loop, so the
//   pauses of a shared machine (collections; preemption by the load generator
//   and the other processes sharing the 2 vCPUs) queue the requests behind them.
// SMS codes: >= 5,000/s (embedded, development transport).
// Latency at a fixed rate comes from open-loop.ts: its C loop where the machine
// has a C compiler, so the generator takes little of the CPUs it shares with the
// servers and its own pauses are not counted as theirs; each line says which.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPlatform } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { openKeyValue, openSql } from '@itinerary-card/store';
import { freePort, startPostgres, startRedis } from '@itinerary-card/store/testing';
import autocannon from 'autocannon';
import { getRequest, NOW_EPOCH, type OpenLoopResult, openLoop } from './open-loop.ts';
import { BENCH_SECRET, benchNumber } from './platform-bench-server.ts';

const SERVER = fileURLToPath(new URL('./platform-bench-server.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../apps/cli/bin/itinerary-card.js', import.meta.url));
const WORKERS = Number(process.env.BENCH_PLATFORM_WORKERS ?? '2');
const SECRET_KEY = 'bench-secret-key-0123456789';
const DURATION = Number(process.env.BENCH_DURATION ?? '5');
// Latency at the bar's rate is measured over longer: in 5 s (27,000 requests at 5,400/s), one
// 40 ms pause of this shared machine delays the 1% that makes the p99; over 15 s it takes three.
const AT_RATE_DURATION = Number(process.env.BENCH_AT_RATE_DURATION ?? '15');
const ROUNDS = 2;
const WARMUP = 2;
const WARM_AT_RATE = Number(process.env.BENCH_WARM_AT_RATE ?? '8');
const CONNECTIONS = 16;
const USERS = 500;

interface Figures {
  name: string;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', SERVER], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error(`${env.MODE} server did not start`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\S+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
    });
    child.once('exit', (c) => reject(new Error(`${env.MODE} server exited ${c}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * An unmeasured run, so every server is measured warm (JIT tiers, caches, heap
 * sizing). The platform needs ~10 s of load on this machine to reach its steady
 * throughput (measured: 1.0k, 2.2k, 3.6k, 4.2k, 4.7k, 5.0k req/s in consecutive 3 s runs);
 * the hello-world route is warm within a second.
 */
async function warm(opts: autocannon.Options, seconds = WARMUP): Promise<void> {
  await autocannon({ connections: CONNECTIONS, ...opts, duration: seconds });
}

async function load(name: string, opts: autocannon.Options): Promise<Figures> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const f = { name, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
  console.log(
    `${name.padEnd(28)} ${f.rps.toFixed(0).padStart(7)} req/s  p99 ${String(f.p99).padStart(3)} ms  errors ${f.errors}  non-2xx ${f.non2xx}`,
  );
  return f;
}

async function fixedRate(name: string, url: string, rate: number, requests?: Buffer[]): Promise<OpenLoopResult> {
  // Unmeasured seconds at the same rate first, so the steady state is measured: a
  // server that sat idle through the other side's run (this machine reclaims idle
  // processes' pages) wakes up, and code paths new to this request pattern are
  // compiled (measured: p99 26 ms in the first 5 s at 7,000/s, 15 ms in the next, 4.5 ms after).
  await openLoop(url, rate, WARM_AT_RATE, requests);
  const r = await openLoop(url, rate, AT_RATE_DURATION, requests);
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(0)} ms  errors ${r.errors}  (${r.sent.toLocaleString('en')} requests in ${AT_RATE_DURATION} s; ${r.generator === 'c' ? 'C generator' : 'Node generator'}, late by up to ${r.stall.toFixed(0)} ms)`,
  );
  return r;
}

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

/** Logs USERS subscribers in through the real API (code from /dev/outbox). */
async function sessions(base: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const phone = benchNumber(i);
    const post = (path: string, body: unknown) =>
      json(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('/api/v1/sms-code', { phone });
    const box = (await json(`${base}/dev/outbox?phone=${phone}`)) as unknown as Array<{ text: string }>;
    const code = /(\d{6})/.exec(box.at(-1)!.text)![1];
    tokens.push((await post('/api/v1/login', { phone, code })).token as string);
  }
  return tokens;
}

/**
 * The production configuration, as `itinerary-card serve platform` runs it:
 * WORKERS processes on one port, sessions and limits in Redis, the audit log
 * and registries in PostgreSQL (servers started here, on loopback). Users log
 * in first through an in-process platform on the same stores (its development
 * outbox hands over the codes); their sessions live in Redis.
 */
export async function startProduction(
  nodeUrl: string,
): Promise<{ url: string; tokens: string[]; stop: () => Promise<void> }> {
  const [pg, redis, port] = await Promise.all([startPostgres(), startRedis(), freePort()]);
  const sql = await openSql({ url: pg.url });
  const kv = await openKeyValue({ url: redis.url, prefix: 'platform:' });
  const outbox = new OutboxTransport({ limit: 10 * USERS });
  const app = await buildPlatform({
    sql,
    kv,
    sms: outbox,
    outbox,
    docs: false,
    nodes: { cmcc: { url: nodeUrl, nodeId: 'cmcc-1' } },
    options: {
      secretKey: SECRET_KEY,
      serviceSecret: BENCH_SECRET,
      smsPerIpPerMinute: 1e9,
      smsPerIpPerHour: 1e9,
      loginPerIpPerMinute: 1e9,
    },
  });
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const phone = benchNumber(i);
    await app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
    const code = /(\d{6})/.exec(outbox.list(phone).at(-1)!.text)![1];
    tokens.push((await app.inject({ method: 'POST', url: '/api/v1/login', payload: { phone, code } })).json().token);
  }
  await app.close();
  await kv.close();
  await sql.close();
  const child = spawn(process.execPath, [CLI, 'serve', 'platform'], {
    env: {
      ...process.env,
      PLATFORM_SECRET_KEY: SECRET_KEY,
      PLATFORM_SERVICE_SECRET: BENCH_SECRET,
      PLATFORM_NODE_CMCC: nodeUrl,
      PLATFORM_NODE_CMCC_ID: 'cmcc-1',
      PLATFORM_PORT: String(port),
      PLATFORM_WORKERS: String(WORKERS),
      // At this rate a line per request would be the bulk of the work; /metrics counts them.
      PLATFORM_REQUEST_LOG: 'off',
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`production platform did not start: ${out.slice(-2000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
      if (out.includes('"platform listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (c) => reject(new Error(`production platform exited ${c}: ${out.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    stop: async () => {
      await stop(child);
      await Promise.all([pg.stop(), redis.stop()]);
    },
  };
}

/** Autocannon options for itinerary queries, one prebuilt request per user, cycled. */
function itineraryOptions(base: string, tokens: string[]): autocannon.Options {
  const clientTime = String(Date.now());
  return {
    url: `${base}/api/v1/itinerary`,
    requests: tokens.map((t) => ({
      method: 'GET' as const,
      headers: { authorization: `Bearer ${t}`, 'x-client-time': clientTime },
    })),
  };
}

/** Open-loop requests for the same users; the phone clock is filled in as each is sent. */
function itineraryRequests(url: string, tokens: string[]): Buffer[] {
  return tokens.map((t) => getRequest(url, { authorization: `Bearer ${t}`, 'x-client-time': NOW_EPOCH }));
}

interface Verdict {
  label: string;
  ratio: number;
  p99: number;
  errors: number;
  ok: boolean;
}

/**
 * The itinerary bar's figures for one configuration: throughput against
 * hello-world (alternated), then latency at 40% of it, judged against `p99Bar` (ms).
 */
async function itineraryBar(
  label: string,
  base: string,
  tokens: string[],
  helloUrl: string,
  p99Bar: number,
): Promise<Verdict> {
  const itinOpts = itineraryOptions(base, tokens);
  const helloOpts: autocannon.Options = { url: helloUrl };
  await warm(helloOpts);
  await warm(itinOpts, 12);
  const rounds: Array<[Figures, Figures]> = [];
  for (let r = 1; r <= ROUNDS; r++) {
    rounds.push([
      await load(`fastify hello-world #${r}`, helloOpts),
      await load(`itinerary, ${label} #${r}`, itinOpts),
    ]);
  }
  const helloRps = rounds.reduce((a, [h]) => a + h.rps, 0) / rounds.length;
  const itinRps = rounds.reduce((a, [, t]) => a + t.rps, 0) / rounds.length;
  // Latency "at that load": evenly scheduled requests at 40% of the hello-world throughput,
  // the peer at the same rate alongside.
  const rate = Math.max(1, Math.round(helloRps * 0.4));
  const url = itinOpts.url as string;
  const atBar = await fixedRate(`itinerary @ ${rate} req/s`, url, rate, itineraryRequests(url, tokens));
  const helloAtRate = await fixedRate(`fastify hello-world @ ${rate} req/s`, helloUrl, rate);
  const ratio = itinRps / helloRps;
  const errors = rounds.reduce((a, [, t]) => a + t.errors + t.non2xx, 0) + atBar.errors;
  const ok = ratio >= 0.4 && atBar.p99 < p99Bar && errors === 0;
  console.log(
    `itinerary (${label}) ${itinRps.toFixed(0)} / hello-world ${helloRps.toFixed(0)} req/s = ${(ratio * 100).toFixed(1)}% (bar 40%), p99 at 40% load ${atBar.p99.toFixed(1)} ms (bar < ${p99Bar}; hello-world at that rate ${helloAtRate.p99.toFixed(1)} ms), errors ${errors} (bar 0): ${ok ? 'PASS' : 'FAIL'}`,
  );
  return { label, ratio, p99: atBar.p99, errors, ok };
}

export default async function run(): Promise<void> {
  console.log(
    `platform bench: ${CONNECTIONS} connections, loopback; hello-world and itinerary alternate to share the machine's noise`,
  );
  const hello = await startServer({ MODE: 'hello' });
  const node = await startServer({ MODE: 'node', SUBSCRIBERS: '10000' });
  const platform = await startServer({ MODE: 'platform', NODE_URL: node.url });
  let production: Awaited<ReturnType<typeof startProduction>> | undefined;
  try {
    // 1. One process on embedded storage (the demo's configuration): itinerary and SMS codes.
    const tokens = await sessions(platform.url);
    const embedded = await itineraryBar('embedded, 1 process', platform.url, tokens, hello.url, 20);
    let n = 50_000_000;
    const smsOpts: autocannon.Options = {
      url: `${platform.url}/api/v1/sms-code`,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            req.body = `{"phone":"139${String(n++).padStart(8, '0')}"}`;
            return req;
          },
        },
      ],
    };
    await warm(smsOpts, 4);
    // Rounds as for itinerary queries: a single 5 s figure moves by 10% with this machine's neighbours.
    const smsRounds: Figures[] = [];
    for (let r = 1; r <= ROUNDS; r++) smsRounds.push(await load(`sms-code requests #${r}`, smsOpts));
    const sms = {
      rps: smsRounds.reduce((a, f) => a + f.rps, 0) / ROUNDS,
      errors: smsRounds.reduce((a, f) => a + f.errors, 0),
      non2xx: smsRounds.reduce((a, f) => a + f.non2xx, 0),
    };
    await stop(platform.child);
    // 2. The production configuration: WORKERS processes, Redis, PostgreSQL.
    production = await startProduction(node.url);
    const prod = await itineraryBar(
      `production, ${WORKERS} processes + Redis + PostgreSQL`,
      production.url,
      production.tokens,
      hello.url,
      10,
    );
    const smsErrors = sms.errors + sms.non2xx;
    console.log(
      `sms-code ${sms.rps.toFixed(0)}/s, mean of ${ROUNDS} runs (bar 5000/s, embedded), errors ${smsErrors}: ${sms.rps >= 5000 && smsErrors === 0 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `itinerary bar (${prod.label}): ${(prod.ratio * 100).toFixed(1)}% of hello-world, p99 ${prod.p99.toFixed(1)} ms at 40% (bar < 10), errors ${prod.errors}: ${prod.ok ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `itinerary bar (${embedded.label}, the demo): ${(embedded.ratio * 100).toFixed(1)}% of hello-world, p99 ${embedded.p99.toFixed(1)} ms at 40% (bar < 20), errors ${embedded.errors}: ${embedded.ok ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await production?.stop();
    await stop(platform.child);
    await stop(node.child);
    await stop(hello.child);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
