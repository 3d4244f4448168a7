// The real system behind the browser tests: the query platform (serving the
// built pages, the dev SMS outbox) and two operator nodes on loopback, each
// over a snapshot built in memory with the pipeline's snapshotFromLines.
import type { AddressInfo } from 'node:net';
import {
  beijingDayStart,
  formatBeijing,
  type ItineraryLine,
  type ItineraryStatus,
  type Operator,
  regionByCode,
} from '@itinerary-card/domain';
import { buildOperatorNode, SnapshotHolder } from '@itinerary-card/operator-node';
import { snapshotFromLines } from '@itinerary-card/pipeline';
import { buildPlatform, servingDay } from '@itinerary-card/platform';
import { OutboxTransport } from '@itinerary-card/sms';
import { MemoryKeyValue, openPgliteSql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { webDistDir } from '../../src/index.ts';

export interface ScenarioLine {
  msisdn: string;
  operator: Operator;
  status?: ItineraryStatus;
  cities?: string[];
  countries?: string[];
}

export interface PlatformHarness {
  url: string;
  outbox: OutboxTransport;
  /** Stops (true) or restarts (false) the node of `operator` on its port. */
  nodeDown(operator: Operator, down: boolean): Promise<void>;
  close(): Promise<void>;
}

const SERVICE_SECRET = 'web-test-service-secret-0123456789abcdef';
const UPDATE_TIME_MS = 8 * 3_600_000;

async function listen(app: FastifyInstance, port = 0): Promise<number> {
  await app.listen({ host: '127.0.0.1', port });
  return (app.server.address() as AddressInfo).port;
}

export async function startPlatformHarness(
  lines: ScenarioLine[],
  riskCities: string[] = [],
  /** Numbers whose SMS the gateway fails to send (SMS_SEND_FAILED). */
  smsFailsFor: string[] = [],
): Promise<PlatformHarness> {
  const now = Date.now();
  const date = servingDay(now, UPDATE_TIME_MS);
  const publishedAt = Math.min(now, beijingDayStart(date) + UPDATE_TIME_MS + 47 * 60_000 + 5_000);
  const operators = [...new Set(lines.map((l) => l.operator))];

  const holders = new Map<Operator, SnapshotHolder>();
  for (const op of operators) {
    const own: ItineraryLine[] = lines
      .filter((l) => l.operator === op)
      .map((l) => ({
        msisdn: l.msisdn,
        date,
        days: 7,
        status: l.status ?? 'ok',
        cities: l.cities ?? [],
        countries: l.countries ?? [],
      }));
    const holder = new SnapshotHolder();
    holder.publish(snapshotFromLines(own, { operator: op, date, publishedAt }));
    holders.set(op, holder);
  }
  const nodes = new Map<Operator, { app: FastifyInstance; port: number }>();
  const startNode = async (op: Operator, port = 0) => {
    const app = await buildOperatorNode({
      nodeId: `${op}-web-test`,
      serviceSecret: SERVICE_SECRET,
      holder: holders.get(op)!,
    });
    nodes.set(op, { app, port: await listen(app, port) });
  };
  for (const op of operators) await startNode(op);

  const sql = await openPgliteSql();
  const kv = new MemoryKeyValue();
  const outbox = new OutboxTransport();
  const adminToken = 'web-test-admin-token-0123456789';
  const platform = await buildPlatform({
    sql,
    kv,
    sms: {
      send: (m) =>
        smsFailsFor.includes(m.to) ? Promise.reject(new Error('SMS gateway refused the message')) : outbox.send(m),
    },
    outbox,
    nodes: Object.fromEntries(
      [...nodes].map(([op, n]) => [op, { url: `http://127.0.0.1:${n.port}`, nodeId: `${op}-web-test` }]),
    ),
    options: {
      secretKey: 'web-test-secret-key-0123456789abcdef',
      serviceSecret: SERVICE_SECRET,
      adminToken,
      webDist: webDistDir,
      // Every test phone comes from 127.0.0.1: per-IP limits must not mix the scenarios up.
      smsPerIpPerMinute: 1000,
      smsPerIpPerHour: 1000,
      loginPerIpPerMinute: 1000,
      // Let the outage scenario's retry reach the node again at once.
      breakerOpenMs: 1,
    },
    docs: false,
  });
  for (const cityCode of riskCities) {
    const res = await platform.inject({
      method: 'POST',
      url: '/api/v1/admin/risk-areas',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: {
        cityCode,
        area: `${regionByCode(cityCode)?.city ?? cityCode}某街道`,
        level: 'medium',
        effectiveFrom: formatBeijing(now - 86_400_000),
      },
    });
    if (res.statusCode >= 300) throw new Error(`risk area not created: ${res.statusCode} ${res.body}`);
  }
  const port = await listen(platform);

  return {
    url: `http://127.0.0.1:${port}`,
    outbox,
    async nodeDown(op, down) {
      const n = nodes.get(op);
      if (!n) throw new Error(`no node for ${op}`);
      if (down) await n.app.close();
      else await startNode(op, n.port);
    },
    async close() {
      await platform.close();
      for (const n of nodes.values()) await n.app.close().catch(() => {});
      await outbox.close();
      await sql.close();
      await kv.close();
    },
  };
}
