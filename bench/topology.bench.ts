// Platform replicas behind HAProxy (the topology of docs/deployment.md): the
// itinerary queries a second one, then two replicas answer when saturated,
// against the one-replica figure measured in the same run, and the CPU time
// each query costs, read from /proc/<pid>/stat of every process that serves it
// (the replicas, HAProxy, the operator node, Redis, PostgreSQL). On this
// 2-core machine, shared with the load generator, two replicas cannot double
// the throughput; the CPU time per query is the figure that carries to bigger
// machines (docs/deployment.md, capacity model).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { processFamily } from '@itinerary-card/cli';
import { freePort, startPostgres, startRedis } from '@itinerary-card/store/testing';
import autocannon from 'autocannon';
import {
  CpuMeter,
  formatCpu,
  itineraryOptions,
  loginOnStores,
  spawnPlatform,
  startServer,
  stop,
  waitReady,
} from './itinerary-load.ts';
import { benchNumber } from './platform-bench-server.ts';

const HAPROXY = process.env.HAPROXY_BIN || '/usr/sbin/haproxy';
const CONNECTIONS = 32;
const DURATION = Number(process.env.BENCH_DURATION ?? '8');
const WARM = Number(process.env.BENCH_WARM ?? '6');
function haproxyConfig(port: number, replicas: number[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend platform',
    `  bind 127.0.0.1:${port}`,
    '  default_backend platform',
    'backend platform',
    '  balance roundrobin',
    ...replicas.map((p, i) => `  server p${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

/** Resident memory (MB) of a set of processes. */
function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

/**
 * Heap an operator node's snapshot takes per subscriber: a published snapshot
 * of `n` subscribers (pseudonyms, two windows of one or two cities) loaded the
 * way `serve node` loads it.
 */
export async function snapshotBytesPerSubscriber(dir: string, n: number): Promise<number> {
  const { loadSnapshot, pseudonymizer } = await import('@itinerary-card/pipeline');
  const key = 'bench-pseudonym-key-0123';
  const pseudo = pseudonymizer(key);
  const snap = join(dir, 'data', 'snapshots', '2022-09-08');
  mkdirSync(snap, { recursive: true });
  writeFileSync(join(snap, 'meta.json'), JSON.stringify({ operator: 'cmcc' }));
  const cities = ['110000', '310000', '360100', '440100', '440300'];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3 ? [cities[i % 5]!] : [cities[i % 5]!, cities[(i + 2) % 5]!].sort();
    lines.push(
      JSON.stringify({
        p: pseudo(benchNumber(i)),
        k: 'normal',
        s7: 'ok',
        c7: c,
        n7: [],
        s14: 'ok',
        c14: c,
        n14: i % 20 ? [] : ['JP'],
      }),
    );
  }
  writeFileSync(join(snap, 'snapshot.jsonl'), `${lines.join('\n')}\n`);
  lines.length = 0;
  // A full collection before and after, or a collection of the load's garbage in between skews it (once: -25 bytes).
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const s = loadSnapshot(join(dir, 'data'), '2022-09-08', Date.now(), 'cmcc', key);
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  if (!s.lookup(benchNumber(7), 7)) throw new Error('snapshot lookup failed');
  return bytes;
}

interface Run {
  label: string;
  rps: number;
  requests: number;
  p99: number;
  errors: number;
  /** CPU ms per query by process kind. */
  cpuMs: Record<string, number>;
  /** Resident memory of the replicas at the end (MB, all of them). */
  replicaRssMb: number;
}

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-topology-'));
  const node = await startServer({ MODE: 'node', SUBSCRIBERS: '10000' });
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const children: ChildProcess[] = [];
  try {
    const tokens = await loginOnStores({ pgUrl: pg.url, redisUrl: redis.url, nodeUrl: node.url });
    const replicaPorts = [await freePort(), await freePort()];
    const startReplica = async (port: number, env: Record<string, string>) => {
      const child = await spawnPlatform({
        port,
        nodeUrl: node.url,
        pgUrl: pg.url,
        redisUrl: redis.url,
        env: { PLATFORM_SPOOL_DIR: join(dir, 'spool'), ...env },
      });
      children.push(child);
      return child;
    };

    const measure = async (label: string, replicas: ChildProcess[]): Promise<Run> => {
      const front = await freePort();
      const cfg = join(dir, `haproxy-${front}.cfg`);
      writeFileSync(cfg, haproxyConfig(front, replicaPorts.slice(0, replicas.length)));
      const haproxy = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(haproxy);
      const url = `http://127.0.0.1:${front}`;
      try {
        await waitReady(`${url}/healthz`, haproxy, 'haproxy');
        const opts = itineraryOptions(url, tokens, CONNECTIONS);
        await autocannon({ ...opts, duration: WARM });
        const meter = new CpuMeter({
          'platform replicas': () => replicas.flatMap((c) => processFamily(c.pid!)),
          haproxy: () => [haproxy.pid!],
          'operator node': () => processFamily(node.child.pid!),
          redis: () => [redis.pid()!],
          postgresql: () => processFamily(pg.pid()!),
        });
        meter.start();
        const r = await autocannon({ ...opts, duration: DURATION });
        const requests = r.requests.total;
        const cpuUs = meter.perRequest(requests);
        const cpuMs = Object.fromEntries(Object.entries(cpuUs).map(([k, v]) => [k, v / 1000]));
        const run: Run = {
          label,
          rps: r.requests.average,
          requests,
          p99: r.latency.p99,
          errors: r.errors + r.timeouts + r.non2xx,
          cpuMs,
          replicaRssMb: rssMb(replicas.flatMap((c) => processFamily(c.pid!))),
        };
        console.log(
          `${label.padEnd(44)} ${run.rps.toFixed(0).padStart(6)} queries/s  p99 ${String(run.p99).padStart(3)} ms  errors ${run.errors}  replicas' RSS ${run.replicaRssMb.toFixed(0)} MB  CPU µs per query: ${formatCpu(cpuUs)}`,
        );
        return run;
      } finally {
        await stop(haproxy);
      }
    };

    console.log(
      `topology bench: itinerary queries through HAProxy, ${CONNECTIONS} connections (autocannon, on the same ${execFileSync('nproc').toString().trim()} cores), ${DURATION} s after ${WARM} s warm-up; CPU from /proc/<pid>/stat`,
    );
    const r1 = await startReplica(replicaPorts[0]!, {});
    const one = await measure('1 replica behind HAProxy (answer cache on)', [r1]);
    const r2 = await startReplica(replicaPorts[1]!, {});
    const two = await measure('2 replicas behind HAProxy (answer cache on)', [r1, r2]);
    await Promise.all([stop(r1), stop(r2)]);
    const n1 = await startReplica(replicaPorts[0]!, { PLATFORM_ANSWER_CACHE_MS: '0' });
    const n2 = await startReplica(replicaPorts[1]!, { PLATFORM_ANSWER_CACHE_MS: '0' });
    const uncached = await measure('2 replicas, no answer cache (node per query)', [n1, n2]);
    const perQuery = (r: Run) => Object.values(r.cpuMs).reduce((a, b) => a + b, 0);
    console.log(
      `scaling: 2 replicas ${two.rps.toFixed(0)} / 1 replica ${one.rps.toFixed(0)} queries/s = ${(two.rps / one.rps).toFixed(2)}x on this machine`,
    );
    const n = Number(process.env.BENCH_SNAPSHOT_SUBSCRIBERS ?? '200000');
    const perSub = await snapshotBytesPerSubscriber(dir, n);
    console.log(
      `operator node snapshot in memory: ${perSub.toFixed(0)} bytes per subscriber (${n.toLocaleString('en')} loaded)`,
    );
    for (const r of [one, two, uncached]) {
      const platformMs = r.cpuMs['platform replicas']!;
      console.log(
        `per core: ${r.label}: ${(1000 / perQuery(r)).toFixed(0)} queries per core-second for the whole path, ${(1000 / platformMs).toFixed(0)} for the platform replicas alone`,
      );
    }
  } finally {
    // stop() waits for an exit that a process stopped earlier by a signal has already had.
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => stop(c)));
    await stop(node.child);
    await Promise.all([pg.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
