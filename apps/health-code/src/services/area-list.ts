// The epidemic-area list with a short in-process cache (several replicas read
// the same table; a change made here is seen at once, elsewhere within maxAgeMs).
import { randomBytes } from 'node:crypto';
import {
  AppError,
  type Clock,
  isCityCode,
  isCountryCode,
  isIsoDate,
  isRegionOfChina,
  provinceName,
} from '@itinerary-card/domain';
import type { AreaRepo } from '../repositories/area-repo.ts';
import { type AreaScope, defaultAreaName, type EpidemicArea } from '../rules/epidemic-areas.ts';

export interface NewArea {
  scope: AreaScope;
  code?: string;
  name?: string;
  from: string;
  to?: string | null;
}

export class AreaList {
  private cache: { at: number; areas: EpidemicArea[] } | null = null;
  private loading: Promise<EpidemicArea[]> | null = null;

  constructor(
    private readonly repo: AreaRepo,
    private readonly clock: Clock,
    private readonly maxAgeMs = 30_000,
  ) {}

  async list(): Promise<EpidemicArea[]> {
    const now = this.clock.now();
    if (this.cache && now - this.cache.at < this.maxAgeMs) return this.cache.areas;
    // Every check-in reads the list: the ones that find it stale together share one read.
    if (this.loading === null) {
      const loading = this.repo.list().then(
        (areas) => {
          if (this.loading === loading) {
            this.cache = { at: now, areas };
            this.loading = null;
          }
          return areas;
        },
        (e: unknown) => {
          if (this.loading === loading) this.loading = null;
          throw e;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  invalidate(): void {
    this.cache = null;
    // A read begun before the change may miss it: the next caller reads again.
    this.loading = null;
  }

  /** Validates and adds an entry. */
  async add(input: NewArea): Promise<EpidemicArea> {
    const code = (input.code ?? '').trim().toUpperCase();
    const scope = input.scope;
    const invalid = (field: string) => new AppError('BAD_REQUEST', { field });
    if (scope === 'province' && !(/^\d{2}0000$/.test(code) && provinceName(code))) throw invalid('code');
    if (scope === 'city' && !isCityCode(code)) throw invalid('code');
    if (scope === 'abroad' && code !== '' && !(isCountryCode(code) || isRegionOfChina(code))) throw invalid('code');
    if (!isIsoDate(input.from)) throw invalid('from');
    const to = input.to ?? null;
    if (to !== null && (!isIsoDate(to) || to < input.from)) throw invalid('to');
    const name = input.name?.trim() || defaultAreaName(scope, code);
    if (!name || name.length > 60) throw invalid('name');
    const area: EpidemicArea = { id: `A${randomBytes(5).toString('hex')}`, scope, code, name, from: input.from, to };
    await this.repo.insert(area, this.clock.now());
    this.invalidate();
    return area;
  }

  async end(id: string, to: string | null): Promise<void> {
    if (to !== null && !isIsoDate(to)) throw new AppError('BAD_REQUEST', { field: 'to' });
    if (!(await this.repo.setEnd(id, to))) throw new AppError('NOT_FOUND');
    this.invalidate();
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.remove(id))) throw new AppError('NOT_FOUND');
    this.invalidate();
  }
}
