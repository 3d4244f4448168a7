// Query platform under load over loopback: authenticated itinerary queries
// (platform → operator node in its own process) and SMS-code requests (dev
// outbox), each against a bare Fastify hello-world measured in the same run.
// Bars: itinerary >= 40% of hello-world req/s with p99 < 20 ms and no errors;
// SMS codes >= 5,000/s.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { getRequest, type OpenLoopResult, openLoop } from './open-loop.ts';
import { benchNumber } from './platform-bench-server.ts';

const SERVER = fileURLToPath(new URL('./platform-bench-server.ts', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? '5');
const ROUNDS = 2;
const WARMUP = 2;
const CONNECTIONS = 16;
const USERS = 500;

interface Figures {
  name: string;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
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

function stop(child: ChildProcess): Promise<void> {
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

async function fixedRate(name: string, url: string, rate: number, request?: () => Buffer): Promise<OpenLoopResult> {
  const r = await openLoop(url, rate, DURATION, request);
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(0)} ms  errors ${r.errors}`,
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

export default async function run(): Promise<void> {
  console.log(
    `platform bench: ${CONNECTIONS} connections, loopback; hello-world and itinerary alternate to share the machine's noise`,
  );
  const hello = await startServer({ MODE: 'hello' });
  const node = await startServer({ MODE: 'node', SUBSCRIBERS: '10000' });
  const platform = await startServer({ MODE: 'platform', NODE_URL: node.url });
  try {
    const tokens = await sessions(platform.url);
    // Prebuilt requests (one per user, cycled), as static as the hello-world request,
    // so the load generator costs the same per request on both sides.
    const clientTime = String(Date.now());
    const itinOpts: autocannon.Options = {
      url: `${platform.url}/api/v1/itinerary`,
      requests: tokens.map((t) => ({
        method: 'GET' as const,
        headers: { authorization: `Bearer ${t}`, 'x-client-time': clientTime },
      })),
    };
    const helloOpts: autocannon.Options = { url: hello.url };
    await warm(helloOpts);
    await warm(itinOpts, 12);
    const rounds: Array<[Figures, Figures]> = [];
    for (let r = 1; r <= ROUNDS; r++) {
      rounds.push([
        await load(`fastify hello-world #${r}`, helloOpts),
        await load(`itinerary (authenticated) #${r}`, itinOpts),
      ]);
    }
    const helloRps = rounds.reduce((a, [h]) => a + h.rps, 0) / rounds.length;
    const itinRps = rounds.reduce((a, [, t]) => a + t.rps, 0) / rounds.length;
    // Latency "at that load": evenly scheduled requests at 40% of the hello-world throughput,
    // the peer at the same rate alongside.
    const rate = Math.max(1, Math.round(helloRps * 0.4));
    // One prebuilt request per user, cycled; the phone clock is refreshed each second.
    let built: Buffer[] = [];
    let builtAt = 0;
    let i = 0;
    const itinRequest = () => {
      const now = Date.now();
      if (now - builtAt >= 1000) {
        builtAt = now;
        built = tokens.map((t) =>
          getRequest(itinOpts.url as string, { authorization: `Bearer ${t}`, 'x-client-time': String(now) }),
        );
      }
      return built[i++ % built.length]!;
    };
    const atBar = await fixedRate(`itinerary @ ${rate} req/s`, itinOpts.url as string, rate, itinRequest);
    const helloAtRate = await fixedRate(`fastify hello-world @ ${rate} req/s`, hello.url, rate);
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
    const sms = await load('sms-code requests', smsOpts);
    const ratio = itinRps / helloRps;
    const errors = rounds.reduce((a, [, t]) => a + t.errors + t.non2xx, 0) + atBar.errors;
    const ok = ratio >= 0.4 && atBar.p99 < 20 && errors === 0;
    console.log(
      `itinerary ${itinRps.toFixed(0)} / hello-world ${helloRps.toFixed(0)} req/s = ${(ratio * 100).toFixed(1)}% (bar 40%), p99 at 40% load ${atBar.p99.toFixed(1)} ms (bar < 20; hello-world at that rate ${helloAtRate.p99.toFixed(1)} ms), errors ${errors} (bar 0): ${ok ? 'PASS' : 'FAIL'}`,
    );
    const smsErrors = sms.errors + sms.non2xx;
    console.log(
      `sms-code ${sms.rps.toFixed(0)}/s (bar 5000/s), ${((sms.rps / helloRps) * 100).toFixed(1)}% of hello-world, errors ${smsErrors}: ${sms.rps >= 5000 && smsErrors === 0 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await stop(platform.child);
    await stop(node.child);
    await stop(hello.child);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
