// mTLS between the platform and an operator node: the node requires a client
// certificate signed by its CA; the platform's node client presents one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@itinerary-card/domain';
import { buildOperatorNode, SnapshotHolder } from '@itinerary-card/operator-node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeClient, NodeUnavailableError } from '../src/services/node-client.ts';
import { at, cmccSnapshots, SERVICE_SECRET } from './fixtures.ts';

let dir: string;
let node: FastifyInstance;
let url: string;
const pem: Record<string, string> = {};
const clock = new ManualClock(at('2022-09-08', 9));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'itc-mtls-'));
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  for (const name of ['node', 'platform']) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      'san.cnf',
    );
  }
  for (const f of ['ca.pem', 'node.pem', 'node.key', 'platform.pem', 'platform.key'])
    pem[f] = readFileSync(join(dir, f), 'utf8');
  const holder = new SnapshotHolder();
  for (const s of cmccSnapshots()) holder.publish(s);
  node = await buildOperatorNode({
    nodeId: 'cmcc-1',
    serviceSecret: SERVICE_SECRET,
    holder,
    clock,
    tls: { cert: pem['node.pem']!, key: pem['node.key']!, ca: pem['ca.pem']! },
  });
  url = await node.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await node?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const options = {
  serviceSecret: SERVICE_SECRET,
  timeoutMs: 2000,
  breakerFailures: 5,
  breakerOpenMs: 1000,
  now: () => clock.now(),
};

describe('mTLS to the operator node', () => {
  it('answers a client holding a certificate from the node’s CA', async () => {
    expect(url.startsWith('https://')).toBe(true);
    const client = new NodeClient(
      { url, nodeId: 'cmcc-1', tls: { cert: pem['platform.pem'], key: pem['platform.key'], ca: pem['ca.pem'] } },
      options,
    );
    const r = await client.itinerary('13800000001', 7, '2022-09-08');
    expect(r).toMatchObject({ msisdn: '13800000001', date: '2022-09-08' });
    client.close();
  });

  it('refuses a client without a certificate', async () => {
    const client = new NodeClient({ url, nodeId: 'cmcc-1', tls: { ca: pem['ca.pem'] } }, options);
    await expect(client.itinerary('13800000001', 7, '2022-09-08')).rejects.toBeInstanceOf(NodeUnavailableError);
    client.close();
  });
});
