// Scan and punch (自助扫码打卡) against a real PostgreSQL server: check-ins per
// second and p99 latency through the check-in service (signed venue code → cached
// venue → group-committed INSERT), against Yunnan's reported peak of 800,000 scans
// a minute (13,300/s), with a plain single-row INSERT loop measured in the same run.
import { systemClock } from '@itinerary-card/domain';
import { MemoryKeyValue, openPostgresSql, startPostgres } from '@itinerary-card/store';
import autocannon from 'autocannon';
import { buildHealthCode } from '../apps/health-code/src/app.ts';
import { DEFAULT_CONFIG } from '../apps/health-code/src/config.ts';
import type { PartnerClient } from '../apps/health-code/src/partner/partner-client.ts';

const TARGET = 800_000 / 60;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '6');
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? '300');
const VENUES = 200;
const PEOPLE = 100_000;

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
  const worker = async () => {
    while (performance.now() < end) {
      const i = n++;
      const t0 = performance.now();
      await op(i);
      lat.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const secs = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  return { rate: lat.length / secs, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), count: lat.length };
}

export default async function run(): Promise<void> {
  const pg = await startPostgres();
  const sql = await openPostgresSql(pg.url, 8);
  const kv = new MemoryKeyValue();
  try {
    const app = await buildHealthCode({
      sql,
      kv,
      clock: systemClock,
      sms: { send: async () => ({ id: '0' }) },
      partner: noPartner,
      config: {
        ...DEFAULT_CONFIG,
        publicUrl: 'http://127.0.0.1:3001',
        itineraryCardUrl: 'http://127.0.0.1:3000/',
        keySecret: 'bench-key-secret-0123456789',
        adminToken: 'bench-admin-token-0123456789',
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
            hc.checkins.punch(person(i), codes[i % VENUES]).then(() => void lat.push(performance.now() - s0)),
          );
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      const secs = (performance.now() - t0) / 1000;
      const sorted = Float64Array.from(lat).sort();
      return { rate: lat.length / secs, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99) };
    })();

    // The whole HTTP path over a real socket: autocannon in a worker thread, the server on this thread.
    // The holder is registered: the answer carries their current colour (one read by phone per check-in).
    await sql.query(
      `INSERT INTO hc_people (id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact,
         colour, created_at, updated_at) VALUES ($1, '13800000000', '王小明', '36010219900101123X', '南昌市',
         false, false, false, 'green', now(), now())`,
      [person(1)],
    );
    const { token } = await hc.auth.openSession({ phone: '13800000000', personId: person(1), maskedName: '**明' });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const ac = await autocannon({
      url: `${url}/api/hc/v1/checkins`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: codes[0] }),
      connections: 64,
      duration: Math.min(5, SECONDS),
      workers: 1,
    });
    const http = { rate: ac.requests.average, p99: ac.latency.p99, non2xx: ac.non2xx, errors: ac.errors };
    // HTTP peer in the same run: the cheapest route of the same app (GET /api/hc/v1/config, no I/O).
    const peer = await autocannon({
      url: `${url}/api/hc/v1/config`,
      connections: 64,
      duration: Math.min(5, SECONDS),
      workers: 1,
    });

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
    const stored = (await sql.query<{ n: string }>('SELECT count(*) AS n FROM hc_checkins'))[0]!.n;
    await app.close();

    const f = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log('health-code scan and punch (PostgreSQL 15 on 127.0.0.1, pool 8, fsync off as in the test helpers)');
    console.log(
      `  check-ins (service, group commit, ${IN_FLIGHT} in flight): ${f(punch.rate)}/s  p50 ${punch.p50.toFixed(1)} ms  p99 ${punch.p99.toFixed(1)} ms  (${f(punch.count)} in ${SECONDS} s; ${stored} rows stored)`,
    );
    console.log(
      `  check-ins over HTTP (autocannon in a worker thread, 64 connections, one session): ${f(http.rate)}/s  p99 ${http.p99} ms  non-2xx ${http.non2xx}  → ratio to target ${(http.rate / TARGET).toFixed(2)}x`,
    );
    console.log(
      `  peer over HTTP: GET /api/hc/v1/config (no I/O), same connections: ${f(peer.requests.average)}/s  → check-in is ${(http.rate / peer.requests.average).toFixed(2)}x of it`,
    );
    console.log(
      `  at the target rate (open loop, ${f(TARGET)}/s offered): ${f(atTarget.rate)}/s done  p50 ${atTarget.p50.toFixed(1)} ms  p99 ${atTarget.p99.toFixed(1)} ms`,
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
    await sql.close();
    await kv.close();
    // pg's Pool.end() resolves before its sockets close; let them close before the server stops,
    // or the server's "terminating connection" reaches a pool without an error listener.
    await new Promise((r) => setTimeout(r, 300));
    await pg.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
