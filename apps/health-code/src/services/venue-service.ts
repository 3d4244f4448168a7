// Units register venues and receive signed venue codes as posters; the check-in
// path resolves a scanned code to its venue with a verified-token cache, since
// the same few posters are scanned over and over. Cached entries live a bounded
// time and are dropped at once when a revocation is announced (any replica), so a
// withdrawn venue or key stops working everywhere.
import { randomInt } from 'node:crypto';
import {
  AppError,
  type Clock,
  extractToken,
  maskPhone,
  splitToken,
  VENUE_KINDS,
  type VenueKind,
} from '@itinerary-card/domain';
import { renderPosterPdf, renderPosterPng } from '../poster/poster.ts';
import type { Venue, VenueRepo } from '../repositories/venue-repo.ts';
import type { Keyring } from '../signing/keyring.ts';

const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CACHE_MAX = 50_000;

export interface VenueView {
  id: string;
  kind: VenueKind;
  name: string;
  address: string;
  createdAt: number;
  checkinUrl: string;
  /** The printed poster carries a withdrawn code: download the new poster and replace it. */
  reprintRequired: boolean;
  reprintSince: number | null;
  /** The office withdrew this venue's code. */
  revoked: boolean;
}

export class VenueService {
  private readonly resolved = new Map<string, { venue: Venue; kid: string; until: number }>();
  private readonly loading = new Map<string, Promise<Venue>>();
  /** Bumped when cached verifications are dropped, so a read begun before is not cached. */
  private generation = 0;

  constructor(
    private readonly repo: VenueRepo,
    private readonly keyring: () => Keyring,
    private readonly clock: Clock,
    private readonly publicUrl: string,
    private readonly cityName: string,
    private readonly codeName: string,
    /** How long a resolved code is trusted without asking the database again. */
    private readonly cacheTtlMs = 30_000,
  ) {}

  checkinUrl(token: string): string {
    return `${this.publicUrl}/health/checkin.html?c=${token}`;
  }

  view(v: Venue): VenueView {
    return {
      id: v.id,
      kind: v.kind,
      name: v.name,
      address: v.address,
      createdAt: v.createdAt,
      checkinUrl: this.checkinUrl(v.token),
      reprintRequired: v.reprintSince !== null,
      reprintSince: v.reprintSince,
      revoked: v.revokedAt !== null,
    };
  }

  async register(ownerPhone: string, input: { kind: unknown; name: unknown; address: unknown }): Promise<VenueView> {
    const kind = input.kind as VenueKind;
    if (!VENUE_KINDS.includes(kind)) throw new AppError('BAD_REQUEST', { field: 'kind' });
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length < 2 || name.length > 40) throw new AppError('BAD_REQUEST', { field: 'name' });
    const address = typeof input.address === 'string' ? input.address.trim() : '';
    if (address.length < 2 || address.length > 200) throw new AppError('BAD_REQUEST', { field: 'address' });
    let id = '';
    for (let i = 0; i < 8; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    const now = this.clock.now();
    const token = this.keyring().sign({ t: 'V', kind, name, id }, now);
    const v: Venue = {
      id,
      kind,
      name,
      address,
      ownerPhone,
      token,
      createdAt: now,
      reprintSince: null,
      revokedAt: null,
    };
    await this.repo.insert(v);
    return this.view(v);
  }

  async mine(ownerPhone: string): Promise<VenueView[]> {
    return (await this.repo.byOwner(ownerPhone)).map((v) => this.view(v));
  }

  private async owned(id: string, ownerPhone: string): Promise<Venue> {
    const v = await this.repo.byId(id);
    if (!v || v.ownerPhone !== ownerPhone) throw new AppError('NOT_FOUND');
    return v;
  }

  private posterInput(v: Venue) {
    return {
      kind: v.kind,
      venueName: v.name,
      venueId: v.id,
      qrText: this.checkinUrl(v.token),
      cityName: this.cityName,
      codeName: this.codeName,
    };
  }

  async posterPng(id: string, ownerPhone: string): Promise<Buffer> {
    return renderPosterPng(this.posterInput(await this.owned(id, ownerPhone)));
  }

  async posterPdf(id: string, ownerPhone: string): Promise<Uint8Array> {
    return renderPosterPdf(this.posterInput(await this.owned(id, ownerPhone)));
  }

  /** The owner says the new poster is up: the reprint notice ends. */
  async reprinted(id: string, ownerPhone: string): Promise<VenueView> {
    const v = await this.owned(id, ownerPhone);
    await this.repo.clearReprint(v.id);
    return this.view({ ...v, reprintSince: null });
  }

  /**
   * After a key was revoked: every venue code it signed is signed again with the
   * key in force and the venue is marked for reprinting (the printed poster no
   * longer verifies). Returns how many venues were re-signed.
   */
  async resignKey(kid: string): Promise<number> {
    const now = this.clock.now();
    let after = '';
    let n = 0;
    for (;;) {
      const page = await this.repo.page(after, 500);
      if (page.length === 0) break;
      for (const v of page) {
        if (splitToken(v.token)?.payload.kid !== kid) continue;
        const token = this.keyring().sign({ t: 'V', kind: v.kind, name: v.name, id: v.id }, now);
        await this.repo.resign(v.id, token, now);
        n++;
      }
      after = page[page.length - 1]!.id;
    }
    this.clearCache();
    return n;
  }

  /** Venues whose posters must be replaced (the office's list). */
  async reprintList(limit = 500) {
    return (await this.repo.needingReprint(limit)).map((v) => ({
      ...this.view(v),
      ownerPhone: maskPhone(v.ownerPhone),
      address: v.address,
    }));
  }

  /** The office withdraws one venue's code; false when unknown or already withdrawn. */
  async revoke(id: string): Promise<boolean> {
    const done = await this.repo.revoke(id, this.clock.now());
    this.forget(id);
    return done;
  }

  /** The venue behind a scanned code (bare token or check-in URL); VENUE_CODE_INVALID otherwise. */
  async resolve(scanned: unknown): Promise<Venue> {
    const token = typeof scanned === 'string' ? extractToken(scanned) : undefined;
    if (!token) throw new AppError('VENUE_CODE_INVALID');
    const now = this.clock.now();
    const hit = this.resolved.get(token);
    if (hit && hit.until > now && this.keyring().has(hit.kid)) return hit.venue;
    if (hit) this.resolved.delete(token);
    // The scans of one poster that miss the cache together (its entry expired under load)
    // share one verification and one read.
    let loading = this.loading.get(token);
    if (loading === undefined) {
      const p = this.load(token, now).finally(() => {
        if (this.loading.get(token) === p) this.loading.delete(token);
      });
      this.loading.set(token, p);
      loading = p;
    }
    return loading;
  }

  private async load(token: string, now: number): Promise<Venue> {
    const generation = this.generation;
    const r = await this.keyring().verify(token, now);
    if (!r.ok || r.payload.t !== 'V') return this.refuse(token);
    const v = await this.repo.byId(r.payload.id);
    // The venue's current code only: a re-signed venue's old poster is refused even
    // by a replica that has not yet heard of the revoked key.
    if (!v || v.revokedAt !== null || v.token !== token) return this.refuse(token, v);
    if (this.resolved.size >= CACHE_MAX) this.resolved.clear();
    // Not kept when the cache was cleared while this read was under way (a key revoked, a venue withdrawn).
    if (generation === this.generation)
      this.resolved.set(token, { venue: v, kid: r.payload.kid, until: now + this.cacheTtlMs });
    return v;
  }

  /** A code that does not check in: an old poster of a re-signed venue says so. */
  private async refuse(token: string, known?: Venue): Promise<never> {
    const p = splitToken(token)?.payload;
    const v = known ?? (p?.t === 'V' ? await this.repo.byId(p.id) : undefined);
    if (v && v.revokedAt === null && v.token !== token && v.reprintSince !== null) {
      throw new AppError('VENUE_REPRINT_REQUIRED');
    }
    throw new AppError('VENUE_CODE_INVALID');
  }

  /** Forget cached verifications (after a key is revoked, here or in another replica). */
  clearCache(): void {
    this.resolved.clear();
    this.loading.clear();
    this.generation++;
  }

  /** Forget one venue's cached codes (after it was withdrawn, here or in another replica). */
  forget(id: string): void {
    for (const [token, e] of this.resolved) if (e.venue.id === id) this.resolved.delete(token);
    // Reads under way may be of this venue: later scans read again.
    this.loading.clear();
    this.generation++;
  }
}
