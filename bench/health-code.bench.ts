// Scan and punch (自助扫码打卡) against a real PostgreSQL server with production's
// durability (fsync, synchronous_commit and full_page_writes on, the data on
// disk) and a real Redis (sessions, throttles, claim markers), as production
// runs it: a check-in is acknowledged once its commit is on disk. Check-ins per
// second and p99 latency through the check-in service (signed venue code → cached
// venue → group-committed INSERT) and over HTTP (many holders, each with a
// session), against Yunnan's reported peak of 800,000 scans a minute (13,300/s),
// with the app's cheapest route and a plain single-row INSERT loop measured in
// the same run. The bar: check-ins arriving over HTTP at 13,300/s (the C open
// loop) all answered with p99 < 20 ms, in most of the rounds: MET or NOT MET, with the
// CPU per check-in at that rate of each process on the path: the server,
// PostgreSQL, Redis and the C generator.
// Over HTTP the server runs as production runs it: `itinerary-card serve health-code`
// (compiled, `npm run bench` builds first) with HC_WORKERS processes sharing the port
// (BENCH_HC_WORKERS, default 2: the cores of the bench machine), on the same PostgreSQL
// and Redis, in processes of its own, so the CPU counted as the server's is theirs alone.
// The service path without HTTP, and the setup (venues, holders, sessions), run in
// this process.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@itinerary-card/domain';
import { buildHealthCode, DEFAULT_CONFIG, type PartnerClient } from '@itinerary-card/health-code';
import { openKeyValue, openPostgresSql } from '@itinerary-card/store';
import { freePort, startPostgres, startRedis } from '@itinerary-card/store/testing';
import autocannon from 'autocannon';
import { stop, waitReady } from './itinerary-load.ts';
import { OPEN_LOOP_CONNECTIONS, type OpenLoopResult, openLoop } from './open-loop.ts';

const CLI = fileURLToPath(new URL('../apps/cli/bin/itinerary-card.js', import.meta.url));
/** Processes of `serve health-code` (HC_WORKERS). */
const WORKERS = Number(process.env.BENCH_HC_WORKERS ?? '2');
const KEY_SECRET = 'bench-key-secret-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const PUBLIC_URL = 'http://127.0.0.1:3001';

const TARGET = 800_000 / 60;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '6');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '300');
const VENUES = 200;
const PEOPLE = 100_000;
/** Registered holders with a session, whose check-ins go over HTTP in turn. */
const HOLDERS = 1000;
/**
 * Connections over HTTP: phones scan from their own connections, so as many are
 * open as there are scans in flight (with a commit of a few ms, 13,300/s keeps
 * about a hundred in flight; a busy machine's slow moments, more).
 */
const HTTP_CONNECTIONS = 256;
/** HTTP rounds (throughput, then latency at the target rate, each with its peer), alternated. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const AT_TARGET_SECONDS = Number(process.env.BENCH_AT_TARGET_SECONDS ?? '5');

interface Cpu {
  /** µs of the server's processes' CPU (`serve health-code`: its primary and workers). */
  node: number;
  /** µs of PostgreSQL's processes' CPU, where /proc tells. */
  pg?: number;
  /** µs of Redis's CPU, where /proc tells. */
  redis?: number;
}

interface Pids {
  /** `serve health-code`'s primary (its workers are its children). */
  server: number;
  pg: number | undefined;
  redis: number | undefined;
}

/** CPU time so far (µs) of the server's processes, of the PostgreSQL server whose postmaster is `pg`, and of Redis. */
function cpuNow(pids: Pids): Cpu {
  return {
    node: processCpu(pids.server) ?? Number.NaN,
    pg: pids.pg === undefined ? undefined : processCpu(pids.pg),
    redis: pids.redis === undefined ? undefined : processCpu(pids.redis, false),
  };
}

function cpuSince(before: Cpu, pids: Pids, requests: number): Cpu {
  const now = cpuNow(pids);
  const per = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : (a - b) / requests;
  return { node: (now.node - before.node) / requests, pg: per(now.pg, before.pg), redis: per(now.redis, before.redis) };
}

/** A process's CPU (µs) from /proc (clock ticks of 10 ms), with its children's, live and ended (PostgreSQL's backends), unless told not. */
function processCpu(pid: number, children = true): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  let ticks = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(p) === pid) {
      ticks += Number(f[11]) + Number(f[12]);
      // Children that ended (PostgreSQL's backends of closed connections) count in the parent's cutime/cstime.
      if (children) ticks += Number(f[13]) + Number(f[14]);
    } else if (children && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10_000;
}

/** Redis's commands so far by name (INFO commandstats: a script's own calls are counted too); empty without redis-cli. */
function redisCommands(url: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const text = execFileSync('redis-cli', ['-u', url, 'INFO', 'commandstats'], { encoding: 'utf8' });
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  } catch {
    // no redis-cli: not counted
  }
  return out;
}

/** Scripts run and commands in all (the scripts' own included) per check-in between two readings. */
function redisPerCheckin(before: Map<string, number>, after: Map<string, number>, checkins: number) {
  if (after.size === 0) return undefined;
  let scripts = 0;
  let all = 0;
  for (const [k, n] of after) {
    if (k === 'info') continue;
    const d = n - (before.get(k) ?? 0);
    all += d;
    if (k === 'evalsha' || k === 'eval') scripts += d;
  }
  return { scripts: scripts / checkins, all: all / checkins };
}

const noPartner: PartnerClient = {
  requestGrantCode: () => Promise.reject(new Error('not used')),
  confirmGrant: () => Promise.reject(new Error('not used')),
  grantConsent: () => Promise.reject(new Error('not used')),
  itinerary: () => Promise.reject(new Error('not used')),
};

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs `op` with `inFlight` concurrent callers for `seconds`; returns ops/s and latency percentiles (ms). */
async function drive(op: (i: number) => Promise<unknown>, inFlight: number, seconds: number) {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const i = n++;
      const t0 = performance.now();
      // A failure (a query past its time limit on a busy machine) is counted, not fatal.
      await op(i).then(
        () => lat.push(performance.now() - t0),
        () => errors++,
      );
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const secs = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  return { rate: lat.length / secs, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), count: lat.length, errors };
}

export default async function run(): Promise<void> {
  const pg = await startPostgres({ durable: true });
  const sql = await openPostgresSql(pg.url, 8);
  const dataDir = (await sql.query<{ d: string }>("SELECT current_setting('data_directory') AS d"))[0]!.d;
  const pidFile = `${dataDir}/postmaster.pid`;
  const pgPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  const redis = await startRedis();
  const kv = await openKeyValue({ url: redis.url, prefix: 'hc:' });
  const spoolDir = mkdtempSync(join(tmpdir(), 'hc-bench-spool-'));
  let server: ChildProcess | undefined;
  try {
    const app = await buildHealthCode({
      sql,
      kv,
      clock: systemClock,
      sms: { send: async () => ({ id: '0' }) },
      partner: noPartner,
      config: {
        ...DEFAULT_CONFIG,
        publicUrl: PUBLIC_URL,
        itineraryCardUrl: 'http://127.0.0.1:3000/',
        keySecret: KEY_SECRET,
        adminToken: ADMIN_TOKEN,
        partner: { baseUrl: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y', timeoutMs: 1000 },
        // One account punches as fast as it can here: the path is measured, its throttle counted but not hit.
        checkinsPerMinute: 1e9,
        checkinsPerIpPerMinute: 1e9,
      },
      timers: false,
    });
    const hc = app.healthCode;
    const codes: string[] = [];
    for (let i = 0; i < VENUES; i++) {
      const v = await hc.venues.register('13800000000', {
        kind: i % 2 ? 'unit' : 'community',
        name: `场所${i}`,
        address: '南昌市',
      });
      codes.push(v.checkinUrl);
    }
    const person = (i: number) => `P${(i % PEOPLE).toString(16).padStart(16, '0')}`;

    // Warm-up: verify every venue code once (the cache) and let PostgreSQL plan the insert.
    await drive((i) => hc.checkins.punch(person(i), codes[i % VENUES]), 200, 1);

    const punch = await drive((i) => hc.checkins.punch(person(i), codes[(i * 7919) % VENUES]), IN_FLIGHT, SECONDS);

    // Open loop at the target rate: check-ins arrive at 13,333/s whatever the latency; p99 at that load.
    const atTarget = await (async () => {
      const lat: number[] = [];
      let errors = 0;
      const total = Math.round(TARGET * Math.min(4, SECONDS));
      const t0 = performance.now();
      const pending: Promise<void>[] = [];
      let sent = 0;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * TARGET));
        for (; sent < due; sent++) {
          const s0 = performance.now();
          const i = sent;
          pending.push(
            hc.checkins.punch(person(i), codes[i % VENUES]).then(
              () => void lat.push(performance.now() - s0),
              () => void errors++,
            ),
          );
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      const secs = (performance.now() - t0) / 1000;
      const sorted = Float64Array.from(lat).sort();
      return { rate: lat.length / secs, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), errors };
    })();

    // The whole HTTP path over a real socket: HOLDERS registered holders, each with a session;
    // the answer carries each one's current colour (read by phone per check-in).
    await sql.query(
      `INSERT INTO hc_people (id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact,
         colour, created_at, updated_at)
       SELECT 'H' || i, '139' || lpad(i::text, 8, '0'), '王小明', 'H' || i, '南昌市', false, false, false, 'green',
         now(), now() FROM generate_series(0, $1 - 1) AS i`,
      [HOLDERS],
    );
    const bodies: Array<{ authorization: string; body: string }> = [];
    for (let i = 0; i < HOLDERS; i++) {
      const { token } = await hc.auth.openSession({
        phone: `139${String(i).padStart(8, '0')}`,
        personId: `H${i}`,
        maskedName: '**明',
      });
      bodies.push({ authorization: `Bearer ${token}`, body: JSON.stringify({ code: codes[(i * 7919) % VENUES] }) });
    }
    // The sessions are in Redis and the venues and keys in PostgreSQL: the production processes find them there.
    await hc.checkinWriter.drain();
    await app.close();
    const port = await freePort();
    server = spawn(process.execPath, [CLI, 'serve', 'health-code'], {
      env: {
        ...process.env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=64`.trim(),
        HC_PORT: String(port),
        HC_WORKERS: String(WORKERS),
        HC_DATABASE_URL: pg.url,
        HC_REDIS_URL: redis.url,
        HC_SPOOL_DIR: spoolDir,
        HC_KEY_SECRET: KEY_SECRET,
        HC_ADMIN_TOKEN: ADMIN_TOKEN,
        HC_PUBLIC_URL: PUBLIC_URL,
        HC_ITINERARY_CARD_URL: 'http://127.0.0.1:3000/',
        HC_PARTNER_URL: 'http://127.0.0.1:9',
        HC_PARTNER_CLIENT_ID: 'x',
        HC_PARTNER_CLIENT_SECRET: 'y',
        HC_DEV_OUTBOX: '1',
        // The holders punch as fast as the load asks: the throttle counts every check-in but is not hit.
        HC_CHECKINS_PER_MINUTE: '10000',
        HC_CHECKINS_PER_IP_PER_MINUTE: '1000000',
      },
      // JSON log lines (warnings and errors only on the check-in route) go where production's would not be read.
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(`${url}/readyz`, server, 'serve health-code');
    const pids: Pids = { server: server.pid!, pg: pgPid, redis: redis.pid() };
    const host = new URL(url).host;
    const rawPosts = bodies.map(({ authorization, body }) =>
      Buffer.from(
        `POST /api/hc/v1/checkins HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\nauthorization: ${authorization}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        'latin1',
      ),
    );
    const rawPeer = [Buffer.from(`GET /api/hc/v1/config HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n\r\n`)];
    const cannon = (path: string, posts: boolean) =>
      autocannon({
        url: `${url}${path}`,
        ...(posts
          ? {
              requests: bodies.map(({ authorization, body }) => ({
                method: 'POST' as const,
                headers: { authorization, 'content-type': 'application/json' },
                body,
              })),
            }
          : {}),
        connections: HTTP_CONNECTIONS,
        duration: Math.min(5, SECONDS),
        workers: 1,
      });
    // Unmeasured first: the new route's code paths compiled, the holders' rows cached by PostgreSQL.
    await openLoop(`${url}/api/hc/v1/checkins`, TARGET / 2, 2, rawPosts);
    // Throughput (closed loop, autocannon in a worker thread) and latency at the target rate
    // (open loop, open-loop.ts), each against the peer route, alternated, ROUNDS times.
    const httpRounds: Array<{
      rate: number;
      p99: number;
      bad: number;
      at?: OpenLoopResult;
      cpu?: Cpu;
      redis?: { scripts: number; all: number };
    }> = [];
    const peerRounds: Array<{ rate: number; at?: OpenLoopResult; cpu?: Cpu }> = [];
    // The open loop offers the target rate in every round, whatever the closed loop reached: a
    // server that cannot keep up has the rest queue in the generator (bounded: AT_TARGET_SECONDS
    // of requests, drained before the round ends), its p99 says so, and the CPU per check-in is
    // still measured the same way before and after a change. The C generator and the server
    // run in processes of their own, so each one's CPU is counted apart.
    const atRate = async (path: string, requests: Buffer[]) => {
      const commands = redisCommands(redis.url);
      const before = cpuNow(pids);
      const at = await openLoop(`${url}${path}`, TARGET, AT_TARGET_SECONDS, requests);
      const cpu = cpuSince(before, pids, at.sent);
      return { at, cpu, redis: redisPerCheckin(commands, redisCommands(redis.url), at.ok) };
    };
    for (let r = 0; r < ROUNDS; r++) {
      const ac = await cannon('/api/hc/v1/checkins', true);
      const open = await atRate('/api/hc/v1/checkins', rawPosts);
      httpRounds.push({
        rate: ac.requests.average,
        p99: ac.latency.p99,
        bad: ac.non2xx + ac.errors + ac.timeouts,
        at: open?.at,
        cpu: open?.cpu,
        redis: open?.redis,
      });
      const peer = await cannon('/api/hc/v1/config', false);
      const peerAt = await atRate('/api/hc/v1/config', rawPeer);
      peerRounds.push({ rate: peer.requests.average, at: peerAt.at, cpu: peerAt.cpu });
    }

    // Peer: the plain way, one INSERT per check-in, awaited in a loop.
    await sql.exec(
      'CREATE TABLE bench_plain (id bigserial PRIMARY KEY, venue_id text NOT NULL, person_id text NOT NULL, at timestamptz NOT NULL)',
    );
    const plain = await drive(
      (i) =>
        sql.query('INSERT INTO bench_plain (venue_id, person_id, at) VALUES ($1, $2, $3)', [
          `V${i % VENUES}`,
          person(i),
          new Date(),
        ]),
      1,
      Math.min(3, SECONDS),
    );
    // Second peer: single-row INSERTs from as many callers as the pool has connections.
    const pooled = await drive(
      (i) =>
        sql.query('INSERT INTO bench_plain (venue_id, person_id, at) VALUES ($1, $2, $3)', [
          `V${i % VENUES}`,
          person(i),
          new Date(),
        ]),
      8,
      Math.min(3, SECONDS),
    );
    await stop(server);
    const stored = (await sql.query<{ n: string }>('SELECT count(*) AS n FROM hc_checkins'))[0]!.n;

    const f = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(
      `health-code scan and punch (PostgreSQL 15 on 127.0.0.1; fsync, synchronous_commit, full_page_writes on; data on disk; Redis on 127.0.0.1; over HTTP: serve health-code, HC_WORKERS=${WORKERS}, --max-semi-space-size=64)`,
    );
    console.log(
      `  check-ins (service, group commit, ${IN_FLIGHT} in flight): ${f(punch.rate)}/s  p50 ${punch.p50.toFixed(1)} ms  p99 ${punch.p99.toFixed(1)} ms  (${f(punch.count)} in ${SECONDS} s, errors ${punch.errors}; ${stored} rows stored)`,
    );
    const spread = (xs: number[], d = 0) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted.length > 1 ? `${sorted[0]!.toFixed(d)}-${sorted.at(-1)!.toFixed(d)}` : sorted[0]!.toFixed(d);
    };
    const ms = (x: number | undefined) => (x === undefined ? 'not measured' : `${x.toFixed(1)} ms`);
    for (const [i, h] of httpRounds.entries()) {
      const p = peerRounds[i]!;
      console.log(
        `  #${i + 1} check-ins over HTTP (closed loop, autocannon, ${HTTP_CONNECTIONS} connections, ${HOLDERS} holders): ${f(h.rate)}/s  p99 ${h.p99} ms  errors ${h.bad}  |  peer GET /api/hc/v1/config: ${f(p.rate)}/s  → ${(h.rate / p.rate).toFixed(2)}x of it`,
      );
      const us = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(0)} µs`);
      const cpu =
        h.cpu && h.at
          ? `CPU per check-in: server ${us(h.cpu.node)}, PostgreSQL ${us(h.cpu.pg)}, Redis ${us(h.cpu.redis)}, generator ${us((h.at.cpu * 1000) / h.at.sent)}${h.redis ? `; Redis scripts ${h.redis.scripts.toFixed(2)}, commands ${h.redis.all.toFixed(2)} per check-in` : ''}`
          : '';
      console.log(
        h.at
          ? `  #${i + 1} at ${f(TARGET)}/s offered (open loop, ${h.at.generator === 'c' ? 'C' : 'Node'} generator, ${OPEN_LOOP_CONNECTIONS} connections): p50 ${h.at.p50.toFixed(1)} ms  p99 ${h.at.p99.toFixed(1)} ms  max ${h.at.max.toFixed(0)} ms  errors ${h.at.errors}  |  peer p99 ${ms(p.at?.p99)}  (${cpu})`
          : `  #${i + 1} at ${f(TARGET)}/s offered: not measured`,
      );
      if (p.cpu)
        console.log(
          `  #${i + 1} peer GET /api/hc/v1/config at ${f(TARGET)}/s offered: server CPU ${us(p.cpu.node)} a request`,
        );
    }
    const httpErrors = httpRounds.reduce((n, h) => n + h.bad + (h.at?.errors ?? 0), 0);
    // Judged on the C open loop alone (its own process, a few µs of CPU a request): every check-in
    // offered at the target rate answered, p99 under 20 ms, means the rate was sustained. The closed
    // loop (autocannon, a Node worker in the bench's process, sharing the cores with the server) is shown beside it.
    const meets = (h: (typeof httpRounds)[number]) =>
      h.at !== undefined && h.at.p99 < 20 && h.at.errors === 0 && h.at.ok === h.at.sent;
    const passed = httpRounds.filter(meets).length;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const p99s = httpRounds.flatMap((h) => (h.at ? [h.at.p99] : []));
    const peerP99s = peerRounds.flatMap((p) => (p.at ? [p.at.p99] : []));
    const serverCpu = httpRounds.flatMap((h) => (h.cpu ? [h.cpu.node] : []));
    const pgCpu = httpRounds.flatMap((h) => (h.cpu?.pg !== undefined ? [h.cpu.pg] : []));
    const redisCpu = httpRounds.flatMap((h) => (h.cpu?.redis !== undefined ? [h.cpu.redis] : []));
    const genCpu = httpRounds.flatMap((h) => (h.at ? [(h.at.cpu * 1000) / h.at.sent] : []));
    const medianOf = (xs: number[]) => (xs.length ? `median ${median(xs).toFixed(0)} µs (${spread(xs)})` : 'n/a');
    const cpuLine = serverCpu.length
      ? `CPU per check-in at ${f(TARGET)}/s offered: server ${medianOf(serverCpu)}, PostgreSQL ${medianOf(pgCpu)}, Redis ${medianOf(redisCpu)}, generator ${medianOf(genCpu)}`
      : 'CPU per check-in not measured';
    console.log(
      `  check-ins over HTTP, ${ROUNDS} rounds: closed loop median ${f(median(httpRounds.map((h) => h.rate)))}/s (${spread(httpRounds.map((h) => h.rate))}), p99 at ${f(TARGET)}/s offered ${p99s.length ? `median ${median(p99s).toFixed(1)} ms (${spread(p99s, 1)})` : 'not measured'} (bar < 20), errors ${httpErrors}; peer route median ${f(median(peerRounds.map((p) => p.rate)))}/s (${spread(peerRounds.map((p) => p.rate))}), p99 ${peerP99s.length ? `${spread(peerP99s, 1)} ms` : 'not measured'}`,
    );
    console.log(
      `  ${cpuLine}; machine load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `  goal (${f(TARGET)}/s offered over HTTP by the C open loop, all answered, p99 < 20 ms, fsync on): ${passed} of ${ROUNDS} rounds meet it: ${2 * passed > ROUNDS ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `  service path at the target rate (open loop, ${f(TARGET)}/s offered): ${f(atTarget.rate)}/s done  p50 ${atTarget.p50.toFixed(1)} ms  p99 ${atTarget.p99.toFixed(1)} ms  errors ${atTarget.errors}`,
    );
    console.log(
      `  target: Yunnan peak 800,000/min = ${f(TARGET)}/s  → service path ratio ${(punch.rate / TARGET).toFixed(2)}x`,
    );
    console.log(
      `  peer: single-row INSERT loop: ${f(plain.rate)}/s  p99 ${plain.p99.toFixed(2)} ms  → group commit is ${(punch.rate / plain.rate).toFixed(1)}x`,
    );
    console.log(
      `  peer: single-row INSERTs, 8 concurrent: ${f(pooled.rate)}/s  p99 ${pooled.p99.toFixed(2)} ms  → group commit is ${(punch.rate / pooled.rate).toFixed(1)}x`,
    );
  } finally {
    if (server) await stop(server);
    rmSync(spoolDir, { recursive: true, force: true });
    await sql.close();
    await kv.close();
    // pg's Pool.end() resolves before its sockets close; let them close before the server stops,
    // or the server's "terminating connection" reaches a pool without an error listener.
    await new Promise((r) => setTimeout(r, 300));
    await pg.stop();
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
