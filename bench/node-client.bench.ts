// The platform's operator-node client (an undici Pool) against a real operator
// node in its own process: calls per second and the client's CPU per call, with
// the node:http keep-alive agent it replaced doing the same GETs in the same run
// as the peer. The node client runs only on a cache miss of the platform's answer
// cache, so this is the cost of a miss, not of the usual query.
import http from 'node:http';
import { systemClock } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import { NodeClient, servingDay } from '@itinerary-card/platform';
import { startServer } from './itinerary-load.ts';
import { BENCH_SECRET, benchNumber } from './platform-bench-server.ts';

const CALLS = Number(process.env.BENCH_NODE_CLIENT_CALLS ?? '5000');
const CONCURRENCY = 16;
const ROUNDS = 3;
const SUBSCRIBERS = 1000;

interface Row {
  perSecond: number;
  cpuUs: number;
}

async function measure(call: (msisdn: string) => Promise<unknown>): Promise<Row> {
  let i = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (i < CALLS) await call(benchNumber(i++ % SUBSCRIBERS));
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (CALLS / (performance.now() - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / CALLS };
}

export default async function main(): Promise<void> {
  const { url, child } = await startServer({ MODE: 'node', SUBSCRIBERS: String(SUBSCRIBERS) });
  const day = servingDay(systemClock.now(), 8 * 3_600_000);
  const client = new NodeClient(
    { url, nodeId: 'cmcc-1' },
    { serviceSecret: BENCH_SECRET, timeoutMs: 3000, breakerFailures: 1e9, breakerOpenMs: 1000, now: Date.now },
  );
  // The peer: what the client did before, a node:http keep-alive agent, one GET and JSON.parse per call.
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const token = `Bearer ${signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: Date.now() + 3_600_000 }, BENCH_SECRET)}`;
  const viaHttp = (msisdn: string) =>
    new Promise<unknown>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          hostname: base.hostname,
          port: base.port,
          path: `/internal/v1/itinerary/${msisdn}?days=7&date=${day}`,
          headers: { authorization: token, accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            if (res.statusCode === 200) resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            else reject(new Error(`status ${res.statusCode}`));
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error('timeout')), 3000);
      req.on('error', reject);
      req.end();
    });
  const viaClient = async (msisdn: string) => {
    if (!(await client.itinerary(msisdn, 7, day))) throw new Error(`no answer for ${msisdn}`);
  };
  try {
    const rows: Record<'client' | 'peer', Row[]> = { client: [], peer: [] };
    await measure(viaClient);
    await measure(viaHttp);
    for (let r = 0; r < ROUNDS; r++) {
      rows.client.push(await measure(viaClient));
      rows.peer.push(await measure(viaHttp));
    }
    const best = (list: Row[]) => list.reduce((a, b) => (b.cpuUs < a.cpuUs ? b : a));
    const c = best(rows.client);
    const p = best(rows.peer);
    const line = (name: string, r: Row) =>
      `  ${name.padEnd(38)} ${r.perSecond.toFixed(0).padStart(7)} calls/s  ${r.cpuUs.toFixed(1).padStart(6)} µs CPU/call`;
    console.log(
      `operator-node client, ${CALLS} calls x ${ROUNDS} rounds, ${CONCURRENCY} in flight (best round by CPU):`,
    );
    console.log(line('NodeClient (undici Pool, schema check)', c));
    console.log(line('peer: node:http keep-alive agent', p));
    console.log(
      `  ratio: CPU/call ${(c.cpuUs / p.cpuUs).toFixed(2)}x the peer's, calls/s ${(c.perSecond / p.perSecond).toFixed(2)}x`,
    );
  } finally {
    await client.close();
    agent.destroy();
    child.kill();
  }
}
