// What the itinerary benches (platform.bench.ts, topology.bench.ts) share: the
// bench's own servers in their processes, users logged in on the production
// stores, `itinerary-card serve platform` processes, the itinerary requests for
// autocannon and the open-loop generator, and the CPU time each process spends,
// read from /proc, so a figure per request covers every process on the path.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPlatform } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { openKeyValue, openSql } from '@itinerary-card/store';
import type autocannon from 'autocannon';
import { getRequest, NOW_EPOCH } from './open-loop.ts';
import { BENCH_SECRET, benchNumber } from './platform-bench-server.ts';

const SERVER = fileURLToPath(new URL('./platform-bench-server.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../apps/cli/bin/itinerary-card.js', import.meta.url));
const SECRET_KEY = 'bench-secret-key-0123456789';
/** Subscribers logged in; their requests are cycled. */
const USERS = 500;

/**
 * One of platform-bench-server.ts's servers (MODE=hello, node or platform) in
 * its own process, on the compiled packages (dist/, as `npm start` and `serve`
 * run them; `npm run bench` builds first): tsx only loads the bench file.
 */
export function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
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

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * Logs USERS subscribers in through an in-process platform on the production
 * stores (its development outbox hands over the codes): their sessions live in
 * Redis, where the `serve platform` processes find them. Returns their tokens.
 */
export async function loginOnStores(stores: { pgUrl: string; redisUrl: string; nodeUrl: string }): Promise<string[]> {
  const sql = await openSql({ url: stores.pgUrl });
  const kv = await openKeyValue({ url: stores.redisUrl, prefix: 'platform:' });
  const outbox = new OutboxTransport({ limit: 10 * USERS });
  const app = await buildPlatform({
    sql,
    kv,
    sms: outbox,
    outbox,
    docs: false,
    nodes: { cmcc: { url: stores.nodeUrl, nodeId: 'cmcc-1' } },
    options: {
      secretKey: SECRET_KEY,
      serviceSecret: BENCH_SECRET,
      smsPerIpPerMinute: 1e9,
      smsPerIpPerHour: 1e9,
      loginPerIpPerMinute: 1e9,
    },
  });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const phone = benchNumber(i);
      await app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone } });
      const code = /(\d{6})/.exec(outbox.list(phone).at(-1)!.text)![1];
      tokens.push((await app.inject({ method: 'POST', url: '/api/v1/login', payload: { phone, code } })).json().token);
    }
    return tokens;
  } finally {
    await app.close();
    await kv.close();
    await sql.close();
  }
}

/** Logs USERS subscribers in through a running platform's API (codes from its /dev/outbox). */
export async function loginOverHttp(base: string): Promise<string[]> {
  const json = async (url: string, init?: RequestInit) => {
    const r = await fetch(url, init);
    if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const post = (path: string, body: unknown) =>
    json(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const phone = benchNumber(i);
    await post('/api/v1/sms-code', { phone });
    const box = (await json(`${base}/dev/outbox?phone=${phone}`)) as unknown as Array<{ text: string }>;
    const code = /(\d{6})/.exec(box.at(-1)!.text)![1];
    tokens.push((await post('/api/v1/login', { phone, code })).token as string);
  }
  return tokens;
}

/**
 * `itinerary-card serve platform` on `port` (compiled CLI), routed to the
 * bench's China Mobile node, on the given stores; `env` adds or overrides
 * settings. Resolves once it answers `readyPath`.
 */
export async function spawnPlatform(o: {
  port: number;
  nodeUrl: string;
  pgUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', 'platform'], {
    env: {
      ...process.env,
      PLATFORM_SECRET_KEY: SECRET_KEY,
      PLATFORM_SERVICE_SECRET: BENCH_SECRET,
      PLATFORM_NODE_CMCC: o.nodeUrl,
      PLATFORM_NODE_CMCC_ID: 'cmcc-1',
      PLATFORM_PORT: String(o.port),
      // At these rates a line per request would be the bulk of the work; /metrics counts them.
      PLATFORM_REQUEST_LOG: 'off',
      DATABASE_URL: o.pgUrl,
      REDIS_URL: o.redisUrl,
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(`http://127.0.0.1:${o.port}/readyz`, child, 'platform');
  return child;
}

/** Resolves once `url` answers 2xx; fails when `child` exits first or after a minute. */
export async function waitReady(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Autocannon options for itinerary queries at `base`: one prebuilt request per user, cycled. */
export function itineraryOptions(base: string, tokens: string[], connections: number): autocannon.Options {
  const clientTime = String(Date.now());
  return {
    url: `${base}/api/v1/itinerary`,
    connections,
    requests: tokens.map((t) => ({
      method: 'GET' as const,
      headers: { authorization: `Bearer ${t}`, 'x-client-time': clientTime },
    })),
  };
}

/** Open-loop requests for the same users; the phone clock is filled in as each is sent. */
export function itineraryRequests(url: string, tokens: string[]): Buffer[] {
  return tokens.map((t) => getRequest(url, { authorization: `Bearer ${t}`, 'x-client-time': NOW_EPOCH }));
}

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/**
 * CPU time by group of processes over a measured stretch. Each group's pids
 * are listed when the stretch starts (a backend PostgreSQL forks later is
 * missed, one that exits meanwhile counts nothing; pools keep theirs open).
 */
export class CpuMeter {
  private before: Record<string, Map<number, number>> = {};

  constructor(private readonly groups: Record<string, () => number[]>) {}

  start(): void {
    this.before = Object.fromEntries(
      Object.entries(this.groups).map(([k, list]) => [k, new Map(list().map((p) => [p, cpuSeconds(p)]))]),
    );
  }

  /** µs of CPU per request since start(), by group. */
  perRequest(requests: number): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.before).map(([k, pids]) => {
        let used = 0;
        for (const [pid, was] of pids) {
          const now = cpuSeconds(pid);
          if (now >= was) used += now - was;
        }
        return [k, (used * 1e6) / Math.max(1, requests)];
      }),
    );
  }
}

/** "name 12, other 3, total 15" (µs per request). */
export function formatCpu(us: Record<string, number>): string {
  const total = Object.values(us).reduce((a, b) => a + b, 0);
  return `${Object.entries(us)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ')}; total ${total.toFixed(0)}`;
}
