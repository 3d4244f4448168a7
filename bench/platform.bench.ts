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
//   errors.
// Each figure is the median of three runs, printed with their spread; hello-world
// and itinerary rounds alternate to share the machine's noise, and each row says
// MET or NOT MET. Beside the latency at the bar's rate: the CPU time per request
// of every process on the path (platform, operator node, Redis, PostgreSQL, the
// generator itself), from /proc, and the machine's load average, since on a
// shared machine the CPU time is the figure that carries.
// SMS codes: >= 5,000/s (embedded, development transport).
// Latency at a fixed rate comes from open-loop.ts: its C loop where the machine
// has a C compiler, so the generator takes little of the CPUs it shares with the
// servers and its own pauses are not counted as theirs; each line says which.
import { loadavg } from 'node:os';
import { processFamily } from '@itinerary-card/cli';
import { freePort, startPostgres, startRedis } from '@itinerary-card/store/testing';
import autocannon from 'autocannon';
import {
  CpuMeter,
  formatCpu,
  itineraryOptions,
  itineraryRequests,
  loginOnStores,
  loginOverHttp,
  spawnPlatform,
  startServer,
  stop,
} from './itinerary-load.ts';
import { OPEN_LOOP_CONNECTIONS, type OpenLoopResult, openLoop } from './open-loop.ts';

const WORKERS = Number(process.env.BENCH_PLATFORM_WORKERS ?? '2');
const DURATION = Number(process.env.BENCH_DURATION ?? '5');
// Latency at the bar's rate: each of the three runs lasts this long. Over 10 s (136,000
// requests at 13,600/s) one 40 ms pause of this shared machine delays less than the 1% that
// makes the p99.
const AT_RATE_DURATION = Number(process.env.BENCH_AT_RATE_DURATION ?? '10');
const RUNS = 3;
const WARMUP = 2;
const WARM_AT_RATE = Number(process.env.BENCH_WARM_AT_RATE ?? '8');
// Closed-loop connections for throughput. Since issue 25 a query is answered once its audit
// entry is committed, so a closed loop of 16 connections measured the commit's latency (16 /
// ~3 ms = ~5k/s whatever the CPU), not what the platform can serve; the peer gets as many.
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '64');

interface Figures {
  name: string;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** The median of `xs` and its spread, "12.3 (10.1–15.0)". */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function spread(xs: number[], digits = 1, unit = ''): string {
  return `${median(xs).toFixed(digits)}${unit} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}
const load1 = () => loadavg()[0]!.toFixed(1);
const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

/**
 * An unmeasured run, so every server is measured warm (JIT tiers, caches, heap
 * sizing). The platform needs ~10 s of load on this machine to reach its steady
 * throughput (measured: 1.0k, 2.2k, 3.6k, 4.2k, 4.7k, 5.0k req/s in consecutive 3 s runs);
 * the hello-world route is warm within a second.
 */
async function warm(opts: autocannon.Options, seconds = WARMUP): Promise<void> {
  await autocannon({ connections: CONNECTIONS, ...opts, duration: seconds });
}

async function closedLoop(name: string, opts: autocannon.Options): Promise<Figures> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const f = { name, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
  console.log(
    `${name.padEnd(28)} ${f.rps.toFixed(0).padStart(7)} req/s  p99 ${String(f.p99).padStart(3)} ms  errors ${f.errors}  non-2xx ${f.non2xx}`,
  );
  return f;
}

interface AtRate extends OpenLoopResult {
  /** CPU µs per request by group of processes, the generator included. */
  cpuUs: Record<string, number>;
}

async function fixedRate(
  name: string,
  url: string,
  rate: number,
  requests: Buffer[] | undefined,
  meter?: CpuMeter,
): Promise<AtRate> {
  meter?.start();
  const r = await openLoop(url, rate, AT_RATE_DURATION, requests);
  const cpuUs = { ...(meter?.perRequest(r.sent) ?? {}), generator: (r.cpu * 1000) / Math.max(1, r.sent) };
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(0)} ms  errors ${r.errors}  (${r.sent.toLocaleString('en')} requests in ${AT_RATE_DURATION} s over ${OPEN_LOOP_CONNECTIONS} connections; ${r.generator === 'c' ? 'C generator' : 'Node generator'}, late by up to ${r.stall.toFixed(0)} ms; load ${load1()})`,
  );
  console.log(`${''.padEnd(34)} CPU µs per request: ${formatCpu(cpuUs)}`);
  return { ...r, cpuUs };
}

interface Verdict {
  label: string;
  ratio: number;
  p99: number;
  errors: number;
  ok: boolean;
  line: string;
}

/**
 * The itinerary bar's figures for one configuration: throughput against
 * hello-world (alternated rounds), then latency at 40% of the hello-world rate
 * (three runs, after an unmeasured one), judged against `p99Bar` (ms).
 * `cpu` lists the processes whose CPU time is counted, by name.
 */
async function itineraryBar(
  label: string,
  base: string,
  tokens: string[],
  helloUrl: string,
  p99Bar: number,
  cpu: Record<string, () => number[]>,
  helloPids: () => number[],
): Promise<Verdict> {
  const itinOpts = itineraryOptions(base, tokens, CONNECTIONS);
  const helloOpts: autocannon.Options = { url: helloUrl };
  await warm(helloOpts);
  await warm(itinOpts, 12);
  const rounds: Array<[Figures, Figures]> = [];
  for (let r = 1; r <= RUNS; r++) {
    rounds.push([
      await closedLoop(`fastify hello-world #${r}`, helloOpts),
      await closedLoop(`itinerary, ${label} #${r}`, itinOpts),
    ]);
  }
  const helloRps = median(rounds.map(([h]) => h.rps));
  const ratios = rounds.map(([h, t]) => (100 * t.rps) / h.rps);
  // Latency "at that load": evenly scheduled requests at 40% of the hello-world throughput.
  const rate = Math.max(1, Math.round(helloRps * 0.4));
  const url = itinOpts.url as string;
  const requests = itineraryRequests(url, tokens);
  // Unmeasured seconds at the same rate first, so the steady state is measured: a
  // server that sat idle through the other side's run (this machine reclaims idle
  // processes' pages) wakes up, and code paths new to this request pattern are
  // compiled (measured: p99 26 ms in the first 5 s at 7,000/s, 15 ms in the next, 4.5 ms after).
  await openLoop(url, rate, WARM_AT_RATE, requests);
  const meter = new CpuMeter(cpu);
  const runs: AtRate[] = [];
  for (let r = 1; r <= RUNS; r++)
    runs.push(await fixedRate(`itinerary @ ${rate} req/s #${r}`, url, rate, requests, meter));
  // The peer at the same rate, for what the machine itself adds to a p99.
  await openLoop(helloUrl, rate, 2);
  const helloAtRate = await fixedRate(
    `fastify hello-world @ ${rate} req/s`,
    helloUrl,
    rate,
    undefined,
    new CpuMeter({ 'hello-world': helloPids }),
  );
  const p99s = runs.map((r) => r.p99);
  const errors = rounds.reduce((a, [, t]) => a + t.errors + t.non2xx, 0) + runs.reduce((a, r) => a + r.errors, 0);
  const ratio = median(ratios);
  const p99 = median(p99s);
  const cpuUs = Object.fromEntries(Object.keys(runs[0]!.cpuUs).map((k) => [k, median(runs.map((r) => r.cpuUs[k]!))]));
  const okRatio = ratio >= 40;
  const okP99 = p99 < p99Bar;
  const okErrors = errors === 0;
  const ok = okRatio && okP99 && okErrors;
  const line =
    `itinerary (${label}): ${met(ok)}: ` +
    `${spread(ratios, 1, '%')} of hello-world's ${helloRps.toFixed(0)} req/s (bar >= 40%: ${met(okRatio)}); ` +
    `p99 at ${rate} req/s ${spread(p99s, 1, ' ms')} (bar < ${p99Bar} ms: ${met(okP99)}; hello-world at that rate ${helloAtRate.p99.toFixed(1)} ms); ` +
    `errors ${errors} (bar 0: ${met(okErrors)}); CPU µs per request at that rate (median of ${RUNS}): ${formatCpu(cpuUs)} (hello-world ${formatCpu(helloAtRate.cpuUs)})`;
  console.log(line);
  return { label, ratio, p99, errors, ok, line };
}

export default async function run(): Promise<void> {
  console.log(
    `platform bench: ${CONNECTIONS} connections in the closed loops, ${OPEN_LOOP_CONNECTIONS} in the open loop, loopback; hello-world and itinerary alternate to share the machine's noise; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const hello = await startServer({ MODE: 'hello' });
  const node = await startServer({ MODE: 'node', SUBSCRIBERS: '10000' });
  const platform = await startServer({ MODE: 'platform', NODE_URL: node.url });
  const nodePids = () => processFamily(node.child.pid!);
  const helloPids = () => processFamily(hello.child.pid!);
  const cleanup: Array<() => Promise<void>> = [];
  try {
    // 1. One process on embedded storage (the demo's configuration): itinerary and SMS codes.
    const tokens = await loginOverHttp(platform.url);
    const embedded = await itineraryBar(
      'embedded, 1 process',
      platform.url,
      tokens,
      hello.url,
      20,
      {
        platform: () => processFamily(platform.child.pid!),
        node: nodePids,
      },
      helloPids,
    );
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
    for (let r = 1; r <= RUNS; r++) smsRounds.push(await closedLoop(`sms-code requests #${r}`, smsOpts));
    const smsRps = smsRounds.map((f) => f.rps);
    const smsErrors = smsRounds.reduce((a, f) => a + f.errors + f.non2xx, 0);
    await stop(platform.child);

    // 2. The production configuration: WORKERS processes, Redis, PostgreSQL.
    const [pg, redis, port] = await Promise.all([startPostgres(), startRedis(), freePort()]);
    cleanup.push(
      () => pg.stop(),
      () => redis.stop(),
    );
    const prodTokens = await loginOnStores({ pgUrl: pg.url, redisUrl: redis.url, nodeUrl: node.url });
    const serve = await spawnPlatform({
      port,
      nodeUrl: node.url,
      pgUrl: pg.url,
      redisUrl: redis.url,
      env: { PLATFORM_WORKERS: String(WORKERS) },
    });
    cleanup.unshift(() => stop(serve));
    const prod = await itineraryBar(
      `production, ${WORKERS} processes + Redis + PostgreSQL`,
      `http://127.0.0.1:${port}`,
      prodTokens,
      hello.url,
      10,
      {
        platform: () => processFamily(serve.pid!),
        node: nodePids,
        redis: () => [redis.pid()!],
        postgresql: () => processFamily(pg.pid()!),
      },
      helloPids,
    );
    const smsOk = median(smsRps) >= 5000 && smsErrors === 0;
    console.log(
      `sms-code (embedded): ${met(smsOk)}: ${spread(smsRps, 0, '/s')} (bar >= 5000/s), errors ${smsErrors} (bar 0)`,
    );
    console.log(prod.line);
    console.log(embedded.line.replace('embedded, 1 process', 'embedded, 1 process, the demo'));
    console.log(`load average at the end: ${load1()}`);
  } finally {
    for (const c of cleanup) await c();
    await stop(platform.child);
    await stop(node.child);
    await stop(hello.child);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
