// Loads the porting registry (the daily bulk load, or the demo's
// subscribers.csv) with the audit entry in the same transaction.
import type { PlatformServices } from '../platform-services.ts';
import { parseSubscribersCsv, type RegistryEntry } from '../repositories/porting-registry.ts';

export async function loadPortingRegistry(
  s: Pick<PlatformServices, 'sql' | 'registry' | 'audit'>,
  entries: readonly RegistryEntry[] | string,
  options: { replace?: boolean; actor?: string } = {},
): Promise<number> {
  const list = typeof entries === 'string' ? parseSubscribersCsv(entries) : entries;
  const replace = options.replace === true;
  return s.sql.transaction(async (tx) => {
    const n = await s.registry.load(list, tx, replace);
    await s.audit.write(
      {
        actorType: 'admin',
        actor: options.actor ?? 'admin',
        action: 'porting.load',
        outcome: 'ok',
        detail: { loaded: n, replace },
      },
      tx,
    );
    return n;
  });
}
