// `itinerary-card serve platform|health-code|node`: one production process,
// configured only by environment variables (docs/deployment.md), validated at
// start (a bad value exits 2 naming the variable), JSON logs on stdout (pino),
// graceful shutdown on SIGTERM/SIGINT.

import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { AppError } from '@itinerary-card/domain';
import { configErrorText, type EnvSource, maskingStream } from '@itinerary-card/ops';
import type { OutboxTransport, SmppTransport } from '@itinerary-card/sms';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { closeOnSignals } from '../signals.ts';
import { startWorkerPool } from '../worker-pool.ts';

const log = pino({ base: { app: 'itinerary-card' } }, maskingStream());

/** `close`, preceded by `ms` of draining: the listening socket closed, open connections still served. */
function drainThen(server: Server, ms: number, close: () => Promise<void>): () => Promise<void> {
  if (ms === 0) return close;
  return async () => {
    server.close();
    await new Promise((r) => setTimeout(r, ms));
    await close();
  };
}

async function serve(what: string, env?: EnvSource): Promise<() => Promise<void>> {
  // Only the service asked for is loaded; each app's config module reads and checks its variables.
  if (what === 'platform') {
    const { readPlatformConfig, startPlatform } = await import('@itinerary-card/platform');
    const config = readPlatformConfig(env);
    if (config.workers > 1 && cluster.isPrimary) {
      // PLATFORM_WORKERS processes share the port; each runs this command again as a worker.
      const pool = await startWorkerPool('platform', config.workers, log);
      return pool.close;
    }
    const p = await startPlatform(config);
    return drainThen(p.app.server, config.drainMs, p.close);
  }
  if (what === 'node') {
    const { readOperatorNodeConfig, startOperatorNode } = await import('@itinerary-card/operator-node');
    const n = await startOperatorNode(readOperatorNodeConfig(env));
    return n.close;
  }
  // health-code: its own login codes go out over SMPP (SMPP_*), or to the dev outbox with HC_DEV_OUTBOX=true.
  const [{ readConfig, startHealthCode }, { OutboxTransport, SmppTransport }] = await Promise.all([
    import('@itinerary-card/health-code'),
    import('@itinerary-card/sms'),
  ]);
  const config = readConfig(env);
  if (config.workers > 1 && cluster.isPrimary) {
    // HC_WORKERS processes share the port; each runs this command again as a worker.
    const pool = await startWorkerPool('health-code', config.workers, log);
    return pool.close;
  }
  let sms: OutboxTransport | SmppTransport;
  if (config.smpp) {
    // Refused binds, lost links, throttling and undelivered receipts are logged (numbers masked).
    const smpp = new SmppTransport({ ...config.smpp, logger: log.child({ component: 'smpp' }) });
    smpp.start().catch((err: unknown) => log.error({ err }, 'SMPP bind failed'));
    sms = smpp;
  } else {
    sms = new OutboxTransport();
  }
  const app = await startHealthCode({
    config,
    sms,
    smsStatus: { receipts: sms.receipts, link: sms instanceof SmppTransport ? sms : undefined },
  });
  return drainThen(app.server, config.drainMs, async () => {
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
