// `itinerary-card demo`'s options. What it runs (demo.ts) is loaded when it runs.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@itinerary-card/domain';
import { type Command, InvalidArgumentError } from 'commander';
import type { DemoOptions } from '../demo/demo.ts';
import { positiveInt } from '../options.ts';
import { closeOnSignals } from '../signals.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function parseNow(v: string): number {
  // ISO-8601 with a time; a bare date means 10:00 Beijing that day (after the 08:00 update).
  const s = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T10:00:00+08:00` : v;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError('expected an ISO-8601 instant, e.g. 2022-09-08T10:00:00+08:00');
  return ms;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the whole system on this machine with embedded storage, and print URLs and numbers to try')
    .option('--input <dir>', 'serve this input directory (DATA.md) instead of a simulated world')
    .option('--subscribers <n>', 'subscribers of the simulated world', positiveInt(2_000_000, '--subscribers'), 20_000)
    .option('--now <iso>', 'set the system clock to this instant at start (then it runs on)', parseNow)
    .option(
      '--port <port>',
      'platform port; the health-code system listens on port+1, the operator nodes (loopback) on port+2, +3, +4',
      positiveInt(65531, '--port'),
      3000,
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the simulated world', positiveInt(2 ** 31, '--seed'), 1)
    .option('--work-dir <dir>', 'where the world and the nodes’ data are kept', join(REPO_ROOT, '.demo'))
    .action(async (o: DemoOptions) => {
      // The system's modules are loaded only to run it: `--help` and the other commands stay quick.
      const { startDemo } = await import('../demo/demo.ts');
      try {
        const demo = await startDemo({
          ...o,
          input: o.input ? resolve(o.input) : undefined,
          workDir: resolve(o.workDir),
        });
        closeOnSignals(demo.close, {
          info: (_o, m) => process.stderr.write(`${m}\n`),
          error: (x, m) => process.stderr.write(`${m} ${JSON.stringify(x)}\n`),
        });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        process.stderr.write(`itinerary-card demo: ${e.code}: ${String(e.details.reason ?? e.message)}\n`);
        process.exitCode = 2;
      }
    });
}
