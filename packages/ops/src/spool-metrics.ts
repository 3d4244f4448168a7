// Prometheus gauges of the local spools (records kept on disk while a database
// is down): how many wait, their bytes, and how long the oldest has waited.
import { Gauge, type Registry } from 'prom-client';

/** What the gauges read of a spool (packages/store's `Spool` has it). */
export interface SpoolStats {
  readonly count: number;
  readonly bytes: number;
  oldestAt(): number | undefined;
}

/** Registers the gauges for `spools` (by name, e.g. `audit`, `checkins`); read when /metrics is scraped. */
export function installSpoolMetrics(
  registry: Registry,
  spools: () => Record<string, SpoolStats | undefined>,
  now: () => number = Date.now,
): void {
  const each = (fn: (s: SpoolStats) => number) =>
    function (this: Gauge<'spool'>) {
      this.reset();
      for (const [name, s] of Object.entries(spools())) if (s) this.set({ spool: name }, fn(s));
    };
  new Gauge({
    name: 'storage_spool_records',
    help: 'Records kept in the local spool, waiting for the database',
    labelNames: ['spool'],
    registers: [registry],
    collect: each((s) => s.count),
  });
  new Gauge({
    name: 'storage_spool_bytes',
    help: 'Bytes of the local spool waiting for the database',
    labelNames: ['spool'],
    registers: [registry],
    collect: each((s) => s.bytes),
  });
  new Gauge({
    name: 'storage_spool_oldest_age_seconds',
    help: 'How long the oldest spooled record has waited (0 when none)',
    labelNames: ['spool'],
    registers: [registry],
    collect: each((s) => {
      const at = s.oldestAt();
      return at === undefined ? 0 : Math.max(0, (now() - at) / 1000);
    }),
  });
}
