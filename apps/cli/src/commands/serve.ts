// `itinerary-card serve platform|health-code|node`: one production process,
// configured only by environment variables (docs/deployment.md), validated at
// start (a bad value exits 2 naming the variable), JSON logs on stdout (pino),
// graceful shutdown on SIGTERM/SIGINT.

import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { AppError } from '@itinerary-card/domain';
import { maskingStream } from '@itinerary-card/ops';
import type { OutboxTransport, SmppTransport } from '@itinerary-card/sms';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { closeOnSignals } from '../signals.ts';

const log = pino({ base: { app: 'itinerary-card' } }, maskingStream());

/** The message of a configuration error: `VARIABLE: why`. */
export function configErrorText(e: AppError): string {
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : `${String(e.details.variable ?? '')}: ${e.message}`;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535)
    throw new AppError('CONFIG_INVALID', { variable: name }, { cause: new Error(`${name}: must be a port number`) });
  return n;
}

/** DATABASE_URL / REDIS_URL style variables: checked before anything connects, so the error names the variable. */
export function checkUrls(env: NodeJS.ProcessEnv, vars: Array<[string, string[]]>): void {
  for (const [name, schemes] of vars) {
    const raw = env[name];
    if (!raw) continue;
    let u: URL | undefined;
    try {
      u = new URL(raw);
    } catch {
      u = undefined;
    }
    if (!u || !schemes.includes(u.protocol.slice(0, -1)) || !u.hostname)
      throw new AppError(
        'CONFIG_INVALID',
        { variable: name },
        { cause: new Error(`${name}: must be a ${schemes.join(' or ')}:// URL with a host`) },
      );
  }
}

/**
 * SERVE_DRAIN_MS (0-5000, default 0): on SIGTERM a platform or health-code
 * process first stops accepting connections and keeps answering on the ones it
 * has for this long, so the load balancer's health checks (refused) take it out
 * before it closes; requests it refuses meanwhile are the balancer's to retry
 * elsewhere (HAProxy: `retry-on conn-failure`). Set it above the checks'
 * interval x fall (the topology: 500 ms x 2).
 */
export function drainMsFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.SERVE_DRAIN_MS;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > 5000)
    throw new AppError(
      'CONFIG_INVALID',
      { variable: 'SERVE_DRAIN_MS' },
      { cause: new Error('SERVE_DRAIN_MS: must be an integer from 0 to 5000 (milliseconds)') },
    );
  return Number(raw);
}

/** `close`, preceded by `ms` of draining: the listening socket closed, open connections still served. */
function drainThen(server: Server, ms: number, close: () => Promise<void>): () => Promise<void> {
  if (ms === 0) return close;
  return async () => {
    server.close();
    await new Promise((r) => setTimeout(r, ms));
    await close();
  };
}

const PG = ['postgres', 'postgresql'];
const REDIS = ['redis', 'rediss'];

export async function serve(what: string, env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  // Only the service asked for is loaded.
  if (what === 'platform') {
    const [{ readPlatformConfig, startPlatform, startWorkerPool }, { readSmppConfig }] = await Promise.all([
      import('@itinerary-card/platform'),
      import('@itinerary-card/sms'),
    ]);
    checkUrls(env, [
      ['DATABASE_URL', PG],
      ['REDIS_URL', REDIS],
    ]);
    const config = readPlatformConfig(env);
    const drainMs = drainMsFrom(env);
    // The SMPP settings are read again by startPlatform; checked here so a bad one fails before storage opens.
    if (config.sms === 'smpp') readSmppConfig(config.smppEnv);
    if (config.workers > 1 && cluster.isPrimary) {
      // PLATFORM_WORKERS processes share the port; each runs this command again as a worker.
      const pool = await startWorkerPool(config.workers, log);
      return pool.close;
    }
    const p = await startPlatform(config);
    return drainThen(p.app.server, drainMs, p.close);
  }
  if (what === 'node') {
    const { readOperatorNodeConfig, startOperatorNode } = await import('@itinerary-card/operator-node');
    const n = await startOperatorNode(readOperatorNodeConfig(env));
    return n.close;
  }
  // health-code: its own login codes go out over SMPP (SMPP_*), or to the dev outbox with HC_DEV_OUTBOX=1.
  const [{ readConfig, startHealthCode }, { OutboxTransport, readSmppConfig, SmppTransport }] = await Promise.all([
    import('@itinerary-card/health-code'),
    import('@itinerary-card/sms'),
  ]);
  const config = readConfig(env);
  const drainMs = drainMsFrom(env);
  checkUrls(env, [
    ['HC_DATABASE_URL', PG],
    ['HC_REDIS_URL', REDIS],
  ]);
  const port = portFrom(env, 'HC_PORT', 3001);
  let sms: OutboxTransport | SmppTransport;
  if (env.SMPP_HOST) {
    // Refused binds, lost links, throttling and undelivered receipts are logged (numbers masked).
    const smpp = new SmppTransport({ ...readSmppConfig(env), logger: log.child({ component: 'smpp' }) });
    smpp.start().catch((err: unknown) => log.error({ err }, 'SMPP bind failed'));
    sms = smpp;
  } else if (config.devOutbox) {
    sms = new OutboxTransport();
  } else {
    throw new AppError(
      'CONFIG_INVALID',
      { variable: 'SMPP_HOST' },
      { cause: new Error('SMPP_HOST: required (or HC_DEV_OUTBOX=1 for development)') },
    );
  }
  const app = await startHealthCode({
    config,
    sms,
    smsStatus: { receipts: sms.receipts, link: sms instanceof SmppTransport ? sms : undefined },
    host: env.HC_HOST || '127.0.0.1',
    port,
  });
  return drainThen(app.server, drainMs, async () => {
    await app.close();
    await sms.close();
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run one production process: platform, health-code or node (configured by environment variables)')
    .argument('<what>', 'platform | health-code | node', (v: string) => {
      if (v !== 'platform' && v !== 'health-code' && v !== 'node')
        throw new InvalidArgumentError('expected platform, health-code or node');
      return v;
    })
    .action(async (what: string) => {
      try {
        const close = await serve(what);
        closeOnSignals(close, log);
      } catch (e) {
        if (!(e instanceof AppError) || (e.code !== 'CONFIG_INVALID' && e.code !== 'SNAPSHOT_KEY_MISMATCH')) throw e;
        process.stderr.write(`itinerary-card serve ${what}: configuration error: ${configErrorText(e)} (${e.code})\n`);
        process.exitCode = 2;
      }
    });
}
