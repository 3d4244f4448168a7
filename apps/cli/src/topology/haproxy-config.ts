// HAProxy's configuration for the topology: the platform's and the health-code
// system's replicas behind one front each (health checks on /readyz), and one
// front per operator that routes the platform's calls to the operator's shards
// by the number in the path, with the pipeline's shard function.
import type { Operator } from '@itinerary-card/domain';

export interface HaproxyLayout {
  platformPort: number;
  healthCodePort: number;
  statsPort: number;
  /** Admin socket (runtime API: `show stat`, `set server … state drain`). */
  socket: string;
  platform: number[];
  healthCode: number[];
  /** Per operator: the front's port and each shard's `serve node` port, shard k at index k. */
  nodes: Array<{ operator: Operator; port: number; shards: number[] }>;
}

const HOST = '127.0.0.1';

/**
 * What each front tells its clients about idle connections. The apps answer
 * `Keep-Alive: timeout=72` (Fastify's default), which HAProxy passed on: a
 * client (undici, as Node's fetch and the platform's node client) then kept an
 * idle connection for up to 71 s, sent on one HAProxy had closed at 30 s, and
 * got "other side closed" (the fault test's UND_ERR_SOCKET). Below 30 s.
 */
const KEEP_ALIVE = `  http-response set-header Keep-Alive timeout=25`;

/**
 * Replicas are checked on /readyz every 500 ms and taken out after 2 failures:
 * a replica draining on SIGTERM or killed leaves within a second, and requests
 * it refuses meanwhile are retried on the other (connection failures and empty
 * answers: the replica never handled them). When every replica reports not
 * ready (a shared PostgreSQL or Redis is down), the same replicas as backups
 * take the traffic anyway: each answers what it can without the store (or fails
 * fast with its own error) rather than HAProxy failing every request with 503.
 */
function replicas(name: string, ports: number[]): string {
  const lines = [
    `backend ${name}`,
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  option allbackups',
  ];
  for (const [i, p] of ports.entries())
    lines.push(`  server ${name}${i + 1} ${HOST}:${p} check inter 500ms fall 2 rise 2`);
  for (const [i, p] of ports.entries()) lines.push(`  server ${name}${i + 1}-failopen ${HOST}:${p} backup`);
  return lines.join('\n');
}

export function haproxyConfig(l: HaproxyLayout): string {
  const out = [
    'global',
    '  maxconn 4096',
    `  stats socket ${l.socket} mode 600 level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 30s',
    // A check answered late (a stalled machine) is not a dead server: a refused connection is seen at once anyway.
    '  timeout check 2s',
    // Longer than clients keep an idle connection (KEEP_ALIVE below), so a client does not send on one being closed.
    '  timeout http-keep-alive 30s',
    '  option redispatch 1',
    '  retries 3',
    '  retry-on conn-failure empty-response',
    '',
    'listen stats',
    `  bind ${HOST}:${l.statsPort}`,
    '  stats enable',
    '  stats uri /',
    '  stats refresh 2s',
    '',
    'frontend platform',
    `  bind ${HOST}:${l.platformPort}`,
    '  option forwardfor',
    KEEP_ALIVE,
    '  default_backend platform',
    '',
    replicas('platform', l.platform),
    '',
    'frontend health_code',
    `  bind ${HOST}:${l.healthCodePort}`,
    '  option forwardfor',
    KEEP_ALIVE,
    '  default_backend health_code',
    '',
    replicas('health_code', l.healthCode),
  ];
  for (const { operator, port, shards } of l.nodes) {
    out.push(
      '',
      `# ${operator}: /internal/v1/itinerary/<msisdn> goes to shard crc32(msisdn) mod ${shards.length},`,
      "# the pipeline's subscriberShard(); anything else (the snapshot status) to shard 0.",
      `frontend node_${operator}`,
      `  bind ${HOST}:${port}`,
      KEEP_ALIVE,
      `  http-request set-var(txn.shard) path,field(5,/),crc32,mod(${shards.length}) if { path_beg /internal/v1/itinerary/ }`,
      `  use_backend ${operator}_shard%[var(txn.shard)] if { var(txn.shard) -m found }`,
      `  default_backend ${operator}_shard0`,
    );
    for (const [k, p] of shards.entries()) {
      out.push(
        '',
        `backend ${operator}_shard${k}`,
        '  option httpchk GET /healthz',
        `  server ${operator}-shard${k} ${HOST}:${p} check inter 500ms fall 2 rise 1`,
        // A shard has no other replica: when its checks fail, the same process still gets the calls (a dead
        // one refuses them at once, and the platform answers QUERY_FAILED) rather than HAProxy's own 503.
        `  server ${operator}-shard${k}-failopen ${HOST}:${p} backup`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
