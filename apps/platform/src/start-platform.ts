// Runs the platform on its own: opens storage and the SMS transport from the
// configuration, builds the app, listens; `close` releases everything.
import type { Clock } from '@itinerary-card/domain';
import { maskingStream } from '@itinerary-card/ops';
import { OutboxTransport, SmppTransport } from '@itinerary-card/sms';
import { openKeyValue, openSql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildPlatform } from './build-platform.ts';
import type { PlatformConfig } from './config.ts';

export interface RunningPlatform {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startPlatform(
  config: PlatformConfig,
  extra: { clock?: Clock; logger?: boolean } = {},
): Promise<RunningPlatform> {
  // Without DATABASE_URL, PGlite runs in a worker thread: its statements (the audit
  // log's segment inserts above all) then take no time from the event loop that
  // answers queries, as a PostgreSQL server's would not.
  const { storageTimeoutMs: timeoutMs, storageRetryMs: retryMs } = config;
  const sql = await openSql({ url: config.databaseUrl, dataDir: config.dataDir, worker: true, timeoutMs, retryMs });
  const kv = await openKeyValue({ url: config.redisUrl, prefix: 'platform:', timeoutMs, retryMs });
  // Asynchronous writes: lines logged while a write is under way go out together
  // in the next one (one write per line at most, far fewer under load); flushed on close.
  const logStream = pino.destination({ dest: 1, sync: false });
  let sms: OutboxTransport | SmppTransport;
  let outbox: OutboxTransport | undefined;
  if (config.smpp) {
    // The SMPP layer logs refused binds, lost links, throttling, rejections and undelivered
    // receipts (numbers masked) in the platform's log.
    const logger =
      extra.logger === false
        ? undefined
        : pino({ level: config.logLevel }, maskingStream(logStream)).child({ component: 'smpp' });
    sms = new SmppTransport({ ...config.smpp, clock: extra.clock, logger });
  } else {
    outbox = new OutboxTransport({ clock: extra.clock });
    sms = outbox;
  }
  const app = await buildPlatform({
    sql,
    kv,
    sms,
    outbox,
    smsStatus: { receipts: sms.receipts, link: sms instanceof SmppTransport ? sms : undefined },
    nodes: config.nodes,
    options: config.options,
    clock: extra.clock,
    logger: extra.logger === false ? false : { level: config.logLevel, stream: logStream },
    requestLog: config.requestLog,
    trustProxy: config.trustProxy,
    spool: config.spoolDir ? { dir: config.spoolDir, maxBytes: config.spoolMaxBytes } : undefined,
  });
  if (sms instanceof SmppTransport) {
    // The transport keeps reconnecting on its own; until bound, sends fail with SMS_SEND_FAILED.
    sms.start().catch((err: unknown) => app.log.error({ err }, 'SMPP bind failed'));
  }
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await sms.close();
      await kv.close();
      await sql.close();
      logStream.flushSync();
    },
  };
}
