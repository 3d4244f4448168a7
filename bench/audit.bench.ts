// The audit log as a plain table partitioned by day (issue 24 item 9): can it
// hold the platform's query rate with every read answered only once its entry
// is committed? READERS loops each record an owner's read and wait for
// durable() (the route's group commit), for DURATION seconds, on PostgreSQL
// (production) and on PGlite in a worker thread (the platform's embedded
// default). Printed: entries a second, the wait for durable() (p50, p99), and
// the ratio to the platform bench's bar (PLATFORM_BAR queries a second: 40% of
// a bare Fastify hello-world on this machine, bench/platform.bench.ts).
import { fileURLToPath } from 'node:url';
import { systemClock } from '@itinerary-card/domain';
import { type AuditEntry, AuditLog } from '@itinerary-card/platform';
import { migrate, migrationsFromDir, openSql, type Sql } from '@itinerary-card/store';
import { startPostgres } from '@itinerary-card/store/testing';

const MIGRATIONS = fileURLToPath(new URL('../apps/platform/src/migrations', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? '5');
const READERS = 256;
const PLATFORM_BAR = 5400;

const entry = (i: number): AuditEntry =>
  Object.freeze({
    actorType: 'owner',
    actor: `138****${String(i % 10_000).padStart(4, '0')}`,
    action: 'itinerary.read.7',
    msisdn: `138${String(i).padStart(8, '0')}`,
    outcome: 'ok',
    detail: Object.freeze({ channel: 'web', date: '2026-12-06' }),
  });

async function measure(name: string, sql: Sql): Promise<void> {
  await migrate(sql, 'platform', await migrationsFromDir(MIGRATIONS));
  const log = new AuditLog(sql, systemClock, { error: (o, m) => console.error(m, o) });
  const entries = Array.from({ length: 1000 }, (_, i) => entry(i));
  const run = async (seconds: number) => {
    const waits: number[] = [];
    const end = performance.now() + seconds * 1000;
    const cpu = process.cpuUsage();
    const reader = async (r: number) => {
      for (let i = r; performance.now() < end; i += READERS) {
        const t0 = performance.now();
        log.record(entries[i % entries.length]!);
        await log.durable();
        waits.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: READERS }, (_, r) => reader(r)));
    return { waits, cpu: process.cpuUsage(cpu) };
  };
  await run(1); // warm: JIT, the day's partition, the server's plan cache
  const { waits, cpu } = await run(DURATION);
  waits.sort((a, b) => a - b);
  const rate = waits.length / DURATION;
  const pct = (p: number) => waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]!.toFixed(1);
  const cpuUs = (cpu.user + cpu.system) / waits.length;
  console.log(
    `${name.padEnd(26)} ${rate.toFixed(0).padStart(7)} entries/s  durable() p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  ` +
      `${(rate / PLATFORM_BAR).toFixed(1)}x the platform bar (${PLATFORM_BAR}/s)  client CPU ${cpuUs.toFixed(1)} µs/entry`,
  );
  await log.close();
}

export default async function main(): Promise<void> {
  const pg = await startPostgres();
  try {
    const server = await openSql({ url: pg.url });
    await measure('PostgreSQL (production)', server);
    await server.close();
  } finally {
    await pg.stop();
  }
  const embedded = await openSql({ worker: true });
  await measure('PGlite in a worker (demo)', embedded);
  await embedded.close();
}
