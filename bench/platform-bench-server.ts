// A server process for bench/platform.bench.ts. MODE=hello: a bare Fastify
// hello-world route (the peer). MODE=node: a China Mobile operator node with an
// in-memory snapshot of SUBSCRIBERS numbers for today's serving day.
// MODE=platform: the platform (PGlite, memory key-value, dev outbox) routed to
// NODE_URL, with per-IP limits lifted for a single-IP load generator. Prints
// `listening <url>` when ready.
import { beijingDayStart, HOUR_MS, systemClock } from '@itinerary-card/domain';
import { buildOperatorNode, type MemoryEntry, MemorySnapshot, SnapshotHolder } from '@itinerary-card/operator-node';
import { buildPlatform, servingDay } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { MemoryKeyValue, openSql } from '@itinerary-card/store';
import Fastify from 'fastify';

export const BENCH_SECRET = 'bench-service-secret-0123456789';
const mode = process.env.MODE;
const subscribers = Number(process.env.SUBSCRIBERS ?? '10000');
const CITIES = ['110000', '310000', '360100', '440100', '440300', '420100', '330100', '510100'];

export function benchNumber(i: number): string {
  return `138${String(i).padStart(8, '0')}`;
}

async function main(): Promise<void> {
  let app: import('fastify').FastifyInstance;
  if (mode === 'hello') {
    app = Fastify({ logger: false });
    app.get('/', async () => ({ hello: 'world' }));
  } else if (mode === 'node') {
    const day = servingDay(systemClock.now(), 8 * HOUR_MS);
    const entries: MemoryEntry[] = [];
    for (let i = 0; i < subscribers; i++) {
      entries.push({
        msisdn: benchNumber(i),
        status: 'ok',
        cities: [CITIES[i % CITIES.length]!, CITIES[(i * 7 + 3) % CITIES.length]!].sort(),
        countries: i % 10 === 0 ? ['JP'] : [],
      });
    }
    const holder = new SnapshotHolder();
    holder.publish(new MemorySnapshot('cmcc', day, beijingDayStart(day) + 8 * HOUR_MS, entries));
    app = await buildOperatorNode({ nodeId: 'cmcc-1', serviceSecret: BENCH_SECRET, holder });
  } else if (mode === 'platform') {
    // The outbox as `serve` makes it (its default limit): past it, a run's oldest messages are dropped.
    const outbox = new OutboxTransport();
    app = await buildPlatform({
      sql: await openSql({ worker: true }),
      kv: new MemoryKeyValue(),
      sms: outbox,
      outbox,
      docs: false,
      nodes: { cmcc: { url: process.env.NODE_URL!, nodeId: 'cmcc-1' } },
      options: {
        secretKey: 'bench-secret-key-0123456789',
        serviceSecret: BENCH_SECRET,
        smsPerIpPerMinute: 1e9,
        smsPerIpPerHour: 1e9,
        loginPerIpPerMinute: 1e9,
      },
    });
  } else {
    throw new Error(`MODE must be hello, node or platform, not ${mode}`);
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

if (process.env.MODE) await main();
