// The porting registry (携号转网): which operator serves a number today, when it
// was ported, and its kind. Loaded daily in bulk; read through a small cache
// because every itinerary query routes through it.
import {
  AppError,
  checkPhone,
  isIsoDate,
  isOperator,
  type Operator,
  type SubscriberKind,
} from '@itinerary-card/domain';
import { RefreshingCache, type Sql } from '@itinerary-card/store';
import { parse } from 'csv-parse/sync';

export interface RegistryEntry {
  msisdn: string;
  operator: Operator;
  portedAt?: string;
  kind: SubscriberKind;
  primaryMsisdn?: string;
}

export class PortingRegistry {
  private readonly cache: RefreshingCache<RegistryEntry | null>;

  constructor(
    private readonly sql: Sql,
    now: () => number,
    ttlMs: number,
    maxCached = 200_000,
  ) {
    this.cache = new RefreshingCache({ ttlMs, now, maxEntries: maxCached });
  }

  get(msisdn: string): Promise<RegistryEntry | null> {
    return this.cache.get(msisdn, this.loader(msisdn));
  }

  /** The entry when this process has it cached (no I/O, no promise); undefined: ask `get`. */
  cached(msisdn: string): { readonly value: RegistryEntry | null } | undefined {
    return this.cache.cached(msisdn, this.loader(msisdn));
  }

  private loader(msisdn: string): () => Promise<RegistryEntry | null> {
    return () => this.read(msisdn);
  }

  private async read(msisdn: string): Promise<RegistryEntry | null> {
    const rows = await this.sql.query<{
      msisdn: string;
      operator: Operator;
      ported_at: string | null;
      kind: SubscriberKind;
      primary_msisdn: string | null;
    }>(
      'SELECT msisdn, operator, ported_at::text AS ported_at, kind, primary_msisdn FROM porting_registry WHERE msisdn = $1',
      [msisdn],
    );
    const r = rows[0];
    const entry: RegistryEntry | null = r
      ? {
          msisdn: r.msisdn,
          operator: r.operator,
          kind: r.kind,
          ...(r.ported_at ? { portedAt: r.ported_at.slice(0, 10) } : {}),
          ...(r.primary_msisdn ? { primaryMsisdn: r.primary_msisdn } : {}),
        }
      : null;
    return entry;
  }

  /** Upserts entries in one transaction (`replace` first empties the table: a full daily load). */
  async load(entries: readonly RegistryEntry[], tx: Sql, replace = false): Promise<number> {
    if (replace) await tx.exec('DELETE FROM porting_registry');
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500);
      const params: unknown[] = [];
      const values = chunk.map((e) => {
        params.push(e.msisdn, e.operator, e.portedAt ?? null, e.kind, e.primaryMsisdn ?? null);
        const b = params.length - 5;
        return `($${b + 1}, $${b + 2}, $${b + 3}::date, $${b + 4}, $${b + 5}, now())`;
      });
      await tx.query(
        `INSERT INTO porting_registry (msisdn, operator, ported_at, kind, primary_msisdn, updated_at)
         VALUES ${values.join(', ')}
         ON CONFLICT (msisdn) DO UPDATE SET operator = EXCLUDED.operator, ported_at = EXCLUDED.ported_at,
           kind = EXCLUDED.kind, primary_msisdn = EXCLUDED.primary_msisdn, updated_at = now()`,
        params,
      );
    }
    this.cache.clear();
    return entries.length;
  }

  /** Forgets cached rows (after a load made by another replica, or in tests). */
  invalidate(): void {
    this.cache.clear();
  }
}

/** Validates one registry entry from the admin API or a subscribers.csv row. */
export function parseRegistryEntry(raw: Record<string, unknown>, where: string): RegistryEntry {
  const bad = (field: string): never => {
    throw new AppError('BAD_REQUEST', { field, where });
  };
  const phone = checkPhone(raw.msisdn);
  if (!phone.ok) bad('msisdn');
  const msisdn = (phone as { msisdn: string }).msisdn;
  const operator = String(raw.operator ?? '');
  if (!isOperator(operator)) bad('operator');
  const kind = String(raw.kind || 'normal');
  if (kind !== 'normal' && kind !== 'mvno' && kind !== 'secondary') bad('kind');
  const entry: RegistryEntry = { msisdn, operator: operator as Operator, kind: kind as SubscriberKind };
  const ported = raw.portedAt ?? raw.ported_at;
  if (ported !== undefined && ported !== null && ported !== '') {
    if (typeof ported !== 'string' || !isIsoDate(ported)) bad('portedAt');
    entry.portedAt = ported as string;
  }
  const primary = raw.primaryMsisdn ?? raw.primary_msisdn;
  if (primary !== undefined && primary !== null && primary !== '') {
    const p = checkPhone(primary);
    if (!p.ok) bad('primaryMsisdn');
    entry.primaryMsisdn = (p as { msisdn: string }).msisdn;
  }
  if (kind === 'secondary' && !entry.primaryMsisdn) bad('primaryMsisdn');
  return entry;
}

/**
 * Parses subscribers.csv (DATA.md): header row, then one subscriber per line.
 * Fields as RFC 4180 (and DuckDB, which reads the same file in the pipeline)
 * have them: quoted, with commas or quotes inside; blank lines skipped.
 */
export function parseSubscribersCsv(text: string): RegistryEntry[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info`, each record comes with where it was read (csv-parse's types say string[][]).
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as unknown as typeof records;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new AppError('BAD_REQUEST', { field: 'csv', where: line ? `line ${line}` : 'file' }, { cause: e });
  }
  if (records.length === 0) return [];
  const header = records[0]!.record;
  for (const col of ['msisdn', 'operator']) {
    if (!header.includes(col)) throw new AppError('BAD_REQUEST', { field: col, where: 'header' });
  }
  return records.slice(1).map(({ record, info }) => {
    const row: Record<string, unknown> = {};
    header.forEach((h, j) => {
      row[h] = record[j] ?? '';
    });
    return parseRegistryEntry(row, `line ${info.lines}`);
  });
}
