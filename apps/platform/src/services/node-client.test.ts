// A node behind a proxy that routes to shards: a dead shard opens its own
// circuit, not the operator's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppError, type NodeItinerary, subscriberShard } from '@itinerary-card/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlatformConfig } from '../config.ts';
import { NodeClient } from './node-client.ts';

let server: http.Server;
let connections = 0;
/** The node answers this number with a body that is not its wire schema. */
const MALFORMED = '13999999999';

/** A node's answer for the number (the node's wire schema). */
function answer(msisdn: string): NodeItinerary {
  return {
    msisdn,
    status: 'ok',
    days: 7,
    date: '2022-09-08',
    windowStart: '2022-09-01T00:00:00+08:00',
    windowEnd: '2022-09-08T00:00:00+08:00',
    updatedAt: '2022-09-08T08:00:00+08:00',
    cities: ['360100'],
    countries: [],
    kind: 'normal',
  };
}
let url = '';
/** Shard 0 is down: the proxy answers 503 for its numbers. */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const msisdn = /itinerary\/(\d+)/.exec(req.url ?? '')?.[1] ?? '';
    if (msisdn === MALFORMED) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ msisdn, status: 'ok' }));
      return;
    }
    if (subscriberShard(msisdn, 2) === 0) {
      res.writeHead(503).end('no server available');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(msisdn)));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const numbers = Array.from({ length: 40 }, (_, i) => `1380000${String(i).padStart(4, '0')}`);
const dead = numbers.filter((m) => subscriberShard(m, 2) === 0);
const alive = numbers.filter((m) => subscriberShard(m, 2) === 1);

function client(shards?: number): NodeClient {
  return new NodeClient(
    { url, nodeId: 'cmcc', ...(shards ? { shards } : {}) },
    { serviceSecret: 's'.repeat(20), timeoutMs: 1000, breakerFailures: 3, breakerOpenMs: 60_000, now: Date.now },
  );
}

async function outcomes(c: NodeClient, list: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const m of list)
    out.push(
      await c.itinerary(m, 7, '2022-09-08').then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
  return out;
}

describe('NodeClient with shards', () => {
  it('keeps answering the live shard’s numbers while the dead shard’s circuit is open', async () => {
    const c = client(2);
    expect(new Set(await outcomes(c, dead))).toEqual(
      new Set(['operator node cmcc unavailable: status 503', 'operator node cmcc unavailable: circuit open']),
    );
    expect(await outcomes(c, alive)).toEqual(alive.map(() => 'ok'));
    expect(c.breakers.map((b) => b.current())).toEqual(['open', 'closed']);
    expect(c.breaker.current()).toBe('closed');
    c.close();
  });

  it('without shards, one dead shard opens the circuit for every number (the case shards are for)', async () => {
    const c = client();
    await outcomes(c, dead);
    expect(await outcomes(c, alive)).toEqual(alive.map(() => 'operator node cmcc unavailable: circuit open'));
    expect(c.breaker.current()).toBe('open');
    c.close();
  });

  it('reads PLATFORM_NODE_<OP>_SHARDS, 1 to 64', () => {
    const env = {
      PLATFORM_SECRET_KEY: 'k'.repeat(20),
      PLATFORM_SERVICE_SECRET: 's'.repeat(20),
      PLATFORM_NODE_CMCC: url,
    };
    expect(readPlatformConfig({ ...env, PLATFORM_NODE_CMCC_SHARDS: '2' }).nodes.cmcc?.shards).toBe(2);
    expect(readPlatformConfig(env).nodes.cmcc?.shards).toBeUndefined();
    for (const bad of ['0', '65', 'two']) {
      expect(() => readPlatformConfig({ ...env, PLATFORM_NODE_CMCC_SHARDS: bad })).toThrowError(
        expect.objectContaining({ details: { variable: 'PLATFORM_NODE_CMCC_SHARDS' } }) as AppError,
      );
    }
  });
});

describe('NodeClient answers', () => {
  it('refuses an answer that is not the node wire schema, as a node failure', async () => {
    const c = client();
    await expect(c.itinerary(MALFORMED, 7, '2022-09-08')).rejects.toThrowError(
      'operator node cmcc unavailable: malformed answer',
    );
    c.close();
  });

  it('keeps its connection open for the next query', async () => {
    const c = client(2);
    const before = connections;
    for (const m of alive) expect((await c.itinerary(m, 7, '2022-09-08'))?.msisdn).toBe(m);
    // One per query without keep-alive; undici may open a second while the first is being released.
    expect(connections - before).toBeLessThanOrEqual(2);
    await c.close();
  });
});
