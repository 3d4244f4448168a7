// The documented deployment (`npm run topology`) broken on purpose under a
// steady, bounded load on loopback: SIGKILL a platform replica, a health-code
// replica and an operator shard; restart PostgreSQL and Redis; roll every
// platform and health-code replica one at a time. Counted: requests that
// failed (only the dead shard's numbers may get QUERY_FAILED, and only while it
// is down), audit entries and check-ins written against those acknowledged,
// and the time each fault took to recover from. The counts are printed.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operator } from '@itinerary-card/domain';
import { DEFAULT_OPTIONS } from '@itinerary-card/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTopology, type Topology } from '../src/topology/topology.ts';
import { type Fault, LoadRecorder } from './topology-load.ts';

const SHARDS = 2;
const KILLED: Operator = 'cmcc';
const KILLED_SHARD = 0;
const ITINERARY_PER_SECOND = 40;
const CHECKINS_PER_SECOND = 8;
const STORAGE_RETRY_MS = 10_000;
// Part of the suite (CI installs HAProxy, PostgreSQL and Redis); TOPOLOGY_FAULTS=0 skips it on a
// machine without them. It takes about two minutes of wall time, mostly waiting.
const RUN = process.env.TOPOLOGY_FAULTS !== '0';

let work: string;
let t: Topology;
let passed = false;

beforeAll(async () => {
  if (!RUN) return;
  work = mkdtempSync(join(tmpdir(), 'itc-faults-'));
  t = await startTopology({
    workDir: work,
    subscribers: 600,
    days: 3,
    seed: 'faults',
    shards: SHARDS,
    port: 0,
    // Every query goes to the shards (no answer cache), and one load generator's address may send it all.
    // Node calls may take seconds when the shared machine stalls: a stall is not the fault under test.
    platformEnv: {
      PLATFORM_NODE_TIMEOUT_MS: '4000',
      PLATFORM_QUERY_DEADLINE_MS: '8000',
      PLATFORM_ANSWER_CACHE_MS: '0',
      PLATFORM_REQUEST_LOG: 'off',
      PLATFORM_SMS_PER_IP_PER_MINUTE: '100000',
      PLATFORM_SMS_PER_IP_PER_HOUR: '100000',
      PLATFORM_LOGIN_PER_IP_PER_MINUTE: '100000',
      // The store restarts take 1-2 s here, up to 4 s when the shared machine is at a load of 30;
      // the default window (3 s) is for a machine of one's own.
      PLATFORM_STORAGE_RETRY_MS: String(STORAGE_RETRY_MS),
    },
    // Eight holders check in once a second each from one address: the per-account and per-address
    // limits (5 and 120 a minute) would refuse most of it, which is not the fault under test.
    healthCodeEnv: {
      HC_CHECKINS_PER_MINUTE: '10000',
      HC_CHECKINS_PER_IP_PER_MINUTE: '10000',
      HC_STORAGE_RETRY_MS: String(STORAGE_RETRY_MS),
    },
    log: () => {},
  });
}, 300_000);

afterAll(async () => {
  await t?.stop();
  // The processes' logs of a failed run are kept for a look.
  if (!passed) cpSync(join(work, 'logs'), join(tmpdir(), 'itc-faults-logs-last'), { recursive: true });
  rmSync(work, { recursive: true, force: true });
});

async function count(db: 'platform' | 'healthCode', text: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: t.databases[db] });
  await client.connect();
  try {
    const rows = (await client.query<{ k: string; n: number }>(text)).rows;
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  } finally {
    await client.end();
  }
}

/** Unexpected failures counted by the fault they followed, then by kind and answer. */
function byFault(failures: Array<{ fault: string; kind: string; status: number; code: string }>) {
  const out: Record<string, Record<string, number>> = {};
  for (const f of failures) {
    const k = `${f.kind} ${f.status} ${f.code}`;
    out[f.fault] ??= {};
    out[f.fault]![k] = (out[f.fault]![k] ?? 0) + 1;
  }
  return out;
}

describe.runIf(RUN)('the topology under faults', () => {
  it('serves the pages it prints: the card and the health code, through HAProxy', async () => {
    for (const url of [`${t.urls.platform}/`, `${t.urls.healthCode}/health/`]) {
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
      expect(r.headers.get('content-type'), url).toContain('text/html');
    }
  });

  it('loses nothing and fails only the dead shard’s numbers while it is down', async () => {
    const load = new LoadRecorder(t);
    await load.prepare({ itineraryUsers: 48, checkinUsers: 8, shards: SHARDS, killed: [KILLED, KILLED_SHARD] });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    load.run(ITINERARY_PER_SECOND, CHECKINS_PER_SECOND);
    await sleep(4000);

    const faults: Fault[] = [];
    const restart = async (name: string, kill: () => Promise<void>, start: () => Promise<void>, downMs = 3000) => {
      const f: Fault = { name, at: Date.now(), readyAt: 0 };
      faults.push(f);
      await kill();
      await sleep(downMs);
      await start();
      f.readyAt = Date.now();
      await sleep(3000);
      return f;
    };
    const [p1, p2] = t.platform;
    const [h1, h2] = t.healthCode;
    const shard = t.shards[KILLED][KILLED_SHARD]!;

    await restart(
      'SIGKILL platform-1',
      () => p1!.stop('SIGKILL'),
      () => p1!.start(),
    );
    await restart(
      'SIGKILL health-code-1',
      () => h1!.stop('SIGKILL'),
      () => h1!.start(),
    );
    const shardFault = await restart(
      `SIGKILL ${KILLED}-shard${KILLED_SHARD}`,
      () => shard.stop('SIGKILL'),
      () => shard.start(),
      5000,
    );
    // The shard's numbers are back once one of them is answered again after its restart.
    const back = await load.answeredAgain(shardFault.readyAt, 30_000);
    shardFault.downUntil = back ?? Date.now();
    await restart(
      'restart PostgreSQL',
      () => t.postgres.down(),
      () => t.postgres.up(),
      1000,
    );
    await restart(
      'restart Redis',
      () => t.redis.down(),
      () => t.redis.up(),
      1000,
    );
    for (const p of [p1!, p2!, h1!, h2!]) {
      await restart(
        `roll ${p.name} (SIGTERM, start)`,
        () => p.stop('SIGTERM'),
        () => p.start(),
        0,
      );
    }
    await load.stop();

    // An orderly stop of the replicas flushes what they buffered, then the stores are counted.
    await Promise.all([...t.platform, ...t.healthCode].map((p) => p.stop('SIGTERM')));
    const audit = await count(
      'platform',
      "SELECT outcome AS k, count(*)::int AS n FROM audit_log WHERE action = 'itinerary.read.7' GROUP BY outcome",
    );
    const checkins = (await count('healthCode', "SELECT 'all' AS k, count(*)::int AS n FROM hc_checkins")).all ?? 0;
    // Per number, so reads written but never acknowledged (a timed-out answer) cannot hide lost ones.
    const written = await count(
      'platform',
      "SELECT msisdn AS k, count(*)::int AS n FROM audit_log WHERE action = 'itinerary.read.7' AND outcome = 'ok' GROUP BY msisdn",
    );
    let auditLost = 0;
    for (const [m, n] of load.acknowledged) auditLost += Math.max(0, n - (written[m] ?? 0));

    const report = load.report(faults, shardFault, DEFAULT_OPTIONS.breakerOpenMs);
    const auditOk = audit.ok ?? 0;
    console.log(
      [
        `topology fault test: ${report.itinerary.sent} itinerary queries (${ITINERARY_PER_SECOND}/s), ${report.checkins.sent} check-ins (${CHECKINS_PER_SECOND}/s), ${load.itineraryUsers.length} + ${load.checkinUsers.length} users`,
        ...report.lines,
        `itinerary answers acknowledged (200): ${report.itinerary.ok}; audit entries written with outcome ok: ${auditOk} (all outcomes: ${JSON.stringify(audit)}); acknowledged reads missing from the audit log, number by number: ${auditLost}`,
        `check-ins acknowledged (201): ${report.checkins.ok}; written: ${checkins}`,
        `allowed failures (QUERY_FAILED for ${KILLED}-shard${KILLED_SHARD}'s numbers while it was down, or until every replica's breaker probed it again): ${report.allowed}`,
        `unexpected failures: ${report.unexpected.length}${report.unexpected.length ? ` by fault: ${JSON.stringify(byFault(report.unexpected))}` : ''}`,
      ].join('\n'),
    );

    // The load reached the dead shard's numbers while it was down, and they were answered again after.
    expect(report.deadShardQueriesWhileDown).toBeGreaterThan(0);
    expect(back).toBeDefined();
    expect(report.unexpected).toEqual([]);
    expect(auditLost).toBe(0);
    expect(auditOk).toBeGreaterThanOrEqual(report.itinerary.ok);
    expect(checkins).toBeGreaterThanOrEqual(report.checkins.ok);
    passed = true;
  }, 600_000);
});
