// Medium- and high-risk areas with effective dates, maintained through the
// admin API. The query path asks which cities contain one now; the whole list
// is small, so it is cached and re-read after a change or every `ttlMs`.
import { AppError, beijingDayStart, formatBeijing, isCityCode, isIsoDate, parseInstant } from '@itinerary-card/domain';
import { RefreshingCache, type Sql } from '@itinerary-card/store';

export type RiskLevel = 'medium' | 'high';

export interface RiskArea {
  id: number;
  cityCode: string;
  area: string;
  level: RiskLevel;
  /** ISO-8601 instants in Beijing time (+08:00), as everywhere in the API. */
  effectiveFrom: string;
  effectiveTo?: string;
}

interface Row {
  id: string | number;
  city_code: string;
  area: string;
  level: RiskLevel;
  effective_from: Date | string;
  effective_to: Date | string | null;
}

const iso = (d: Date | string) => formatBeijing(new Date(d).getTime());

function toArea(r: Row): RiskArea {
  const a: RiskArea = {
    id: Number(r.id),
    cityCode: r.city_code,
    area: r.area,
    level: r.level,
    effectiveFrom: iso(r.effective_from),
  };
  if (r.effective_to) a.effectiveTo = iso(r.effective_to);
  return a;
}

export interface RiskAreaInput {
  cityCode: string;
  area: string;
  level: RiskLevel;
  effectiveFrom: string;
  effectiveTo?: string | null;
}

/**
 * An effective date or instant: a plain date (2026-11-25) is that day's 00:00
 * Beijing time, as an epidemic-prevention notice means it; an ISO-8601 instant
 * needs its offset. NaN for anything else.
 */
function parseEffective(s: string): number {
  const t = s.trim();
  return isIsoDate(t) ? beijingDayStart(t) : parseInstant(t);
}

/** Checks the admin's input: a known city, a level, and a sane effective period. */
function validateRiskArea(input: RiskAreaInput): { from: number; to: number | null } {
  if (!isCityCode(input.cityCode)) throw new AppError('BAD_REQUEST', { field: 'cityCode' });
  if (input.area.trim() === '') throw new AppError('BAD_REQUEST', { field: 'area' });
  const from = parseEffective(input.effectiveFrom);
  if (Number.isNaN(from)) throw new AppError('INVALID_TIME', { field: 'effectiveFrom', value: input.effectiveFrom });
  let to: number | null = null;
  if (input.effectiveTo) {
    to = parseEffective(input.effectiveTo);
    if (Number.isNaN(to)) throw new AppError('INVALID_TIME', { field: 'effectiveTo', value: input.effectiveTo });
    if (to <= from)
      throw new AppError('BAD_REQUEST', { field: 'effectiveTo', reason: 'effectiveTo must be after effectiveFrom' });
  }
  return { from, to };
}

/** Validated input as the columns city_code, area, level, effective_from, effective_to. */
function columns(input: RiskAreaInput): unknown[] {
  const { from, to } = validateRiskArea(input);
  return [
    input.cityCode,
    input.area.trim(),
    input.level,
    new Date(from).toISOString(),
    to === null ? null : new Date(to).toISOString(),
  ];
}

export class RiskAreas {
  /** Effective spans [city, from, to) of every area, re-read in the background while in use. */
  private readonly spans: RefreshingCache<Array<[string, number, number]>>;
  /** The last answer and the instants between which it holds. */
  private risky: { set: ReadonlySet<string>; from: number; to: number; of: object } | undefined;
  private readonly readAll = () => this.readSpans();

  constructor(
    private readonly sql: Sql,
    now: () => number,
    ttlMs: number,
  ) {
    this.spans = new RefreshingCache({ ttlMs, now });
  }

  async list(): Promise<RiskArea[]> {
    const rows = await this.sql.query<Row>(
      'SELECT id, city_code, area, level, effective_from, effective_to FROM risk_areas ORDER BY id',
    );
    return rows.map(toArea);
  }

  async get(id: number, tx: Sql = this.sql): Promise<RiskArea | undefined> {
    const rows = await tx.query<Row>(
      'SELECT id, city_code, area, level, effective_from, effective_to FROM risk_areas WHERE id = $1',
      [id],
    );
    return rows[0] ? toArea(rows[0]) : undefined;
  }

  async create(input: RiskAreaInput, tx: Sql): Promise<RiskArea> {
    const rows = await tx.query<Row>(
      `INSERT INTO risk_areas (city_code, area, level, effective_from, effective_to)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, city_code, area, level, effective_from, effective_to`,
      columns(input),
    );
    this.spans.clear();
    return toArea(rows[0]!);
  }

  async update(id: number, input: RiskAreaInput, tx: Sql): Promise<RiskArea | undefined> {
    const rows = await tx.query<Row>(
      `UPDATE risk_areas SET city_code = $2, area = $3, level = $4, effective_from = $5, effective_to = $6,
         updated_at = now() WHERE id = $1 RETURNING id, city_code, area, level, effective_from, effective_to`,
      [id, ...columns(input)],
    );
    this.spans.clear();
    return rows[0] ? toArea(rows[0]) : undefined;
  }

  async remove(id: number, tx: Sql): Promise<boolean> {
    const rows = await tx.query<{ id: string }>('DELETE FROM risk_areas WHERE id = $1 RETURNING id', [id]);
    this.spans.clear();
    return rows.length > 0;
  }

  invalidate(): void {
    this.spans.clear();
  }

  private async readSpans(): Promise<Array<[string, number, number]>> {
    return (await this.list()).map((a) => [
      a.cityCode,
      Date.parse(a.effectiveFrom),
      a.effectiveTo ? Date.parse(a.effectiveTo) : Number.POSITIVE_INFINITY,
    ]);
  }

  /** Cities that contain at least one medium- or high-risk area in effect at `at`. */
  async riskyCities(at: number): Promise<ReadonlySet<string>> {
    return this.riskyAt(await this.spans.get('all', this.readAll), at);
  }

  /** riskyCities() when the areas are cached (no I/O, no promise); undefined: ask riskyCities(). */
  cachedRiskyCities(at: number): ReadonlySet<string> | undefined {
    const spans = this.spans.cached('all', this.readAll);
    return spans && this.riskyAt(spans.value, at);
  }

  private riskyAt(spans: Array<[string, number, number]>, at: number): ReadonlySet<string> {
    const r = this.risky;
    if (r && r.of === spans && r.from <= at && at < r.to) return r.set;
    // The set only changes at an effective boundary: remember it until the next one.
    const set = new Set<string>();
    let from = Number.NEGATIVE_INFINITY;
    let to = Number.POSITIVE_INFINITY;
    for (const [city, start, end] of spans) {
      if (start <= at && at < end) {
        set.add(city);
        from = Math.max(from, start);
        to = Math.min(to, end);
      } else if (start > at) to = Math.min(to, start);
      else from = Math.max(from, end);
    }
    this.risky = { set, from, to, of: spans };
    return set;
  }
}
