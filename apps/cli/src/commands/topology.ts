// `itinerary-card topology` (`npm run topology`): the documented deployment on
// this machine (docs/deployment.md): HAProxy, two platform and two health-code
// replicas, PostgreSQL, Redis and two shards per operator, each its own
// process on loopback, in a temporary directory removed on Ctrl+C.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OPERATORS } from '@itinerary-card/domain';
import type { Command } from 'commander';
import { positiveInt } from '../options.ts';

interface TopologyCommandOptions {
  subscribers: number;
  days: number;
  shards: number;
  port: number;
  seed: string;
  workDir?: string;
  keep?: boolean;
}

export function registerTopology(program: Command): void {
  program
    .command('topology')
    .description(
      'start the production topology on this machine: HAProxy, 2 platform and 2 health-code replicas, PostgreSQL, Redis, operator shards',
    )
    .option('--subscribers <n>', 'subscribers of the simulated world', positiveInt(2_000_000, '--subscribers'), 2000)
    .option('--days <n>', 'simulated days up to yesterday', positiveInt(15, '--days'), 8)
    .option('--shards <n>', 'shards per operator', positiveInt(16, '--shards'), 2)
    .option(
      '--port <port>',
      "HAProxy's platform front; the health code's is port+1, the stats page port+2 (0: any free ports)",
      (v: string) => (v === '0' ? 0 : positiveInt(65533, '--port')(v)),
      3000,
    )
    .option('--seed <s>', 'seed of the simulated world', '1')
    .option('--work-dir <dir>', 'an empty directory for everything (default: a new temporary directory)')
    .option('--keep', 'keep the work directory (logs, data) after stopping')
    .action(async (o: TopologyCommandOptions) => {
      const { startTopology } = await import('../topology/topology.ts');
      const work = o.workDir ? resolve(o.workDir) : mkdtempSync(join(tmpdir(), 'itc-topology-'));
      const abort = new AbortController();
      let topology: Awaited<ReturnType<typeof startTopology>> | undefined;
      const finish = (stopped: Promise<void>) =>
        stopped.then(() => {
          if (!o.keep) rmSync(work, { recursive: true, force: true });
          process.stderr.write('stopped\n');
          process.exit(0);
        });
      // A signal while starting aborts the start (which stops what it started); once up, stops everything.
      const onSignal = (signal: NodeJS.Signals) => {
        if (abort.signal.aborted) return;
        process.stderr.write(`${signal}: stopping every process…\n`);
        abort.abort();
        if (topology) void finish(topology.stop());
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      try {
        topology = await startTopology({ ...o, workDir: work, log: out, signal: abort.signal });
      } catch (e) {
        if (abort.signal.aborted) return void finish(Promise.resolve());
        process.stderr.write(`itinerary-card topology: ${(e as Error).message}\n`);
        if (!o.keep) rmSync(work, { recursive: true, force: true });
        process.exitCode = 1;
        return;
      }
      const t = topology;
      if (abort.signal.aborted) return void finish(t.stop());
      const rows: Array<[string, string]> = [
        ['itinerary card (platform, via HAProxy)', `${t.urls.platform}/`],
        ['health code (via HAProxy)', `${t.urls.healthCode}/health/`],
        ['HAProxy stats', t.urls.stats],
        ...OPERATORS.map((op): [string, string] => [
          `${op} node front (routes to ${o.shards} shards)`,
          t.urls.nodes[op],
        ]),
        ...Object.entries(t.direct).map(([name, url]): [string, string] => [`  ${name}`, url]),
        ['PostgreSQL (platform)', t.databases.platform],
        ['PostgreSQL (health code)', t.databases.healthCode],
        ['Redis', t.redis.url],
        ['SMS codes (dev outbox, per replica)', `${t.direct['platform-1']}/dev/outbox?phone=…`],
        ['platform admin token', t.adminToken],
        ['health-code admin token', t.healthCodeAdminToken],
        ['work directory (logs/, haproxy.cfg)', work],
      ];
      out('');
      for (const [k, v] of rows) out(`${k.padEnd(46)} ${v}`);
      out(
        `\nReady (query day ${t.date}). Ctrl+C stops every process${o.keep ? '' : ' and removes the work directory'}.`,
      );
    });
}
