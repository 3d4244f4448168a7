// Shared set-up for the platform's tests: an operator node per operator on a
// real socket with snapshots for two days, and the platform wired to them.
import { beijingDayStart, HOUR_MS, ManualClock, type Operator } from '@itinerary-card/domain';
import { buildOperatorNode, type MemoryEntry, MemorySnapshot, SnapshotHolder } from '@itinerary-card/operator-node';
import { type KeyValue, MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { buildPlatform, type PlatformDeps } from '../src/index.ts';

export const SERVICE_SECRET = 'test-service-secret-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** 2022-09-08 at hh:mm Beijing time. */
export const at = (date: string, hh: number, mm = 0) => beijingDayStart(date) + hh * HOUR_MS + mm * 60_000;

class TestOutbox {
  readonly sent: Array<{ to: string; from: string; text: string; sentAt: string }> = [];
  fail = false;
  async send(m: { to: string; text: string; from?: string }): Promise<{ id: string }> {
    if (this.fail) throw new Error('gateway down');
    // The sender the development outbox uses for messages that name none (login codes).
    this.sent.push({ to: m.to, from: m.from ?? '106900000000', text: m.text, sentAt: new Date().toISOString() });
    return { id: String(this.sent.length) };
  }
  list(phone?: string) {
    return phone ? this.sent.filter((m) => m.to === phone) : this.sent;
  }
  lastCode(phone: string): string {
    const m = this.list(phone).at(-1);
    const code = m && /(\d{6})/.exec(m.text)?.[1];
    if (!code) throw new Error(`no code sent to ${phone}`);
    return code;
  }
}

/** Day D-1 and day D snapshots of the cmcc node (D = 2022-09-08). */
export function cmccSnapshots(): MemorySnapshot[] {
  const yesterday: MemoryEntry[] = [{ msisdn: '13800000001', status: 'ok', cities: ['360100'], countries: [] }];
  const today: MemoryEntry[] = [
    {
      msisdn: '13800000001',
      status: 'ok',
      cities: ['110000', '360100'],
      countries: ['JP'],
      cities14: ['110000', '360100', '420100'],
    },
    { msisdn: '13800000002', status: 'new_subscriber', cities: [], countries: [] },
    { msisdn: '13800000003', status: 'no_data', cities: [], countries: [] },
    { msisdn: '13800000004', status: 'ok', cities: ['440300'], countries: ['HK', 'MO'] },
    { msisdn: '17000000005', status: 'ok', cities: ['310000'], countries: [], kind: 'mvno' },
    { msisdn: '13800000006', status: 'ok', cities: ['360100'], countries: [] },
    { msisdn: '13800000099', status: 'ok', cities: ['330100'], countries: [] },
  ];
  return [
    new MemorySnapshot('cmcc', '2022-09-07', at('2022-09-07', 8), yesterday),
    new MemorySnapshot('cmcc', '2022-09-08', at('2022-09-08', 8, 5), today),
  ];
}

export function ctccSnapshot(): MemorySnapshot {
  // 13800000007 was ported from China Mobile to China Telecom on 2022-09-07.
  return new MemorySnapshot('ctcc', '2022-09-08', at('2022-09-08', 8, 5), [
    { msisdn: '13800000007', status: 'ok', cities: ['360100'], countries: [], portedAt: '2022-09-07' },
  ]);
}

export interface TestNode {
  operator: Operator;
  app: FastifyInstance;
  holder: SnapshotHolder;
  url: string;
}

export async function startNode(operator: Operator, clock: ManualClock, snaps: MemorySnapshot[]): Promise<TestNode> {
  const holder = new SnapshotHolder();
  for (const s of snaps) holder.publish(s);
  const app = await buildOperatorNode({ nodeId: `${operator}-1`, serviceSecret: SERVICE_SECRET, holder, clock });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { operator, app, holder, url };
}

export interface TestPlatform {
  app: FastifyInstance;
  clock: ManualClock;
  outbox: TestOutbox;
  nodes: TestNode[];
  sql: Sql;
  kv: KeyValue;
  close(): Promise<void>;
}

export async function startTestPlatform(
  over: {
    sql?: Sql;
    kv?: KeyValue;
    options?: Partial<PlatformDeps['options']>;
    /** Replace an operator's node URL (e.g. a server that never answers). */
    nodeUrls?: Partial<Record<Operator, string>>;
    trustProxy?: PlatformDeps['trustProxy'];
  } = {},
): Promise<TestPlatform> {
  const clock = new ManualClock(at('2022-09-08', 9));
  const nodes = [await startNode('cmcc', clock, cmccSnapshots()), await startNode('ctcc', clock, [ctccSnapshot()])];
  const sql = over.sql ?? (await openPgliteSql());
  const kv = over.kv ?? new MemoryKeyValue(() => clock.now());
  const outbox = new TestOutbox();
  const app = await buildPlatform({
    sql,
    kv,
    sms: outbox,
    outbox,
    clock,
    docs: true,
    ...(over.trustProxy !== undefined ? { trustProxy: over.trustProxy } : {}),
    nodes: Object.fromEntries(
      nodes.map((n) => [n.operator, { url: over.nodeUrls?.[n.operator] ?? n.url, nodeId: `${n.operator}-1` }]),
    ),
    options: {
      secretKey: 'test-secret-key-0123456789',
      serviceSecret: SERVICE_SECRET,
      adminToken: ADMIN_TOKEN,
      cacheTtlMs: 0,
      // Off by default so tests see each node call; the cache has its own test.
      answerCacheMs: 0,
      ...over.options,
    },
  });
  return {
    app,
    clock,
    outbox,
    nodes,
    sql,
    kv,
    close: async () => {
      await app.close();
      for (const n of nodes) await n.app.close();
      if (!over.sql) await sql.close();
      if (!over.kv) await kv.close();
    },
  };
}

/** Requests a code and logs in with it; returns the session token. */
export async function login(p: TestPlatform, phone: string, ip = '10.0.0.1'): Promise<string> {
  p.clock.advance(61_000); // past the resend interval of an earlier login
  const r1 = await p.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone }, remoteAddress: ip });
  if (r1.statusCode !== 200) throw new Error(`sms-code ${r1.statusCode} ${r1.body}`);
  const r2 = await p.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { phone, code: p.outbox.lastCode(phone) },
    remoteAddress: ip,
  });
  if (r2.statusCode !== 200) throw new Error(`login ${r2.statusCode} ${r2.body}`);
  return r2.json().token;
}
