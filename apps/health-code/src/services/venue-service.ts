// Units register venues and receive signed venue codes as posters; the check-in
// path resolves a scanned code to its venue with a verified-token cache, since
// the same few posters are scanned over and over.
import { randomInt } from 'node:crypto';
import { AppError, type Clock } from '@itinerary-card/domain';
import { renderPosterPdf, renderPosterPng } from '../poster/poster.ts';
import type { Venue, VenueRepo } from '../repositories/venue-repo.ts';
import { extractToken, VENUE_KINDS, type VenueKind } from '../signing/code-token.ts';
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
}

export class VenueService {
  private readonly resolved = new Map<string, Venue>();

  constructor(
    private readonly repo: VenueRepo,
    private readonly keyring: () => Keyring,
    private readonly clock: Clock,
    private readonly publicUrl: string,
    private readonly cityName: string,
    private readonly codeName: string,
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
    const v: Venue = { id, kind, name, address, ownerPhone, token, createdAt: now };
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

  /** The venue behind a scanned code (bare token or check-in URL); VENUE_CODE_INVALID otherwise. */
  async resolve(scanned: unknown): Promise<Venue> {
    const token = typeof scanned === 'string' ? extractToken(scanned) : undefined;
    if (!token) throw new AppError('VENUE_CODE_INVALID');
    const hit = this.resolved.get(token);
    if (hit) return hit;
    const r = this.keyring().verify(token, this.clock.now());
    if (!r.ok || r.payload.t !== 'V') throw new AppError('VENUE_CODE_INVALID');
    const v = await this.repo.byId(r.payload.id);
    if (!v) throw new AppError('VENUE_CODE_INVALID');
    if (this.resolved.size >= CACHE_MAX) this.resolved.clear();
    this.resolved.set(token, v);
    return v;
  }

  /** Forget cached verifications (after a key is revoked). */
  clearCache(): void {
    this.resolved.clear();
  }
}
