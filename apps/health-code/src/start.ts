// Runs the health-code system on its own: its configuration (config.ts reads the
// environment), PostgreSQL or PGlite, Redis or memory, the platform's partner API over HTTP.
import { systemClock } from '@itinerary-card/domain';
import { defaultSpoolDir, openKeyValue, openSql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { buildHealthCode, type HealthCodeDeps } from './app.ts';
import { type HealthCodeConfig, readConfig } from './config.ts';
import { createHttpPartnerClient } from './partner/partner-client.ts';

export interface StartOptions {
  config?: HealthCodeConfig;
  databaseUrl?: string;
  dataDir?: string;
  redisUrl?: string;
  sms: HealthCodeDeps['sms'];
  smsStatus?: HealthCodeDeps['smsStatus'];
  host?: string;
  port?: number;
}

export async function startHealthCode(o: StartOptions): Promise<FastifyInstance> {
  const config = o.config ?? readConfig();
  const databaseUrl = o.databaseUrl ?? config.databaseUrl;
  const { storageTimeoutMs: timeoutMs, storageRetryMs: retryMs } = config;
  const sql = await openSql({ url: databaseUrl, dataDir: o.dataDir ?? config.dataDir, timeoutMs, retryMs });
  const kv = await openKeyValue({ url: o.redisUrl ?? config.redisUrl, prefix: 'hc:', timeoutMs, retryMs });
  // A spool only where the database can be down: a server, not embedded PGlite.
  const spoolDir = databaseUrl ? (config.spoolDir ?? defaultSpoolDir('health-code', databaseUrl)) : null;
  const partner = createHttpPartnerClient({ ...config.partner, now: () => systemClock.now() });
  const app = await buildHealthCode({
    sql,
    kv,
    clock: systemClock,
    sms: o.sms,
    smsStatus: o.smsStatus,
    partner,
    config,
    logger: { level: 'info' },
    spool: spoolDir ? { dir: spoolDir, maxBytes: config.spoolMaxBytes } : undefined,
  });
  app.addHook('onClose', async () => {
    // onClose hooks run last-added first: this one runs before the app's own, so it flushes first.
    await app.healthCode.flushStorage();
    await kv.close();
    await sql.close();
  });
  await app.listen({ host: o.host ?? config.host, port: o.port ?? config.port });
  return app;
}
