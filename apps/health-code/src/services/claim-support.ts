// What a claim needs outside the database: the SMS that tells the phone that
// registered for someone (代申领) that the ID's owner took the code over; a marker
// so that phone's open sessions stop acting for that person at once; and a bound
// on registrations whose name does not match the ID's record. Every check-in
// asks for the marker: a replica keeps the markers it read in memory, and a
// claim is announced over the store's pub/sub so every replica drops the claimed
// person's marker at once.
import { createHash } from 'node:crypto';
import { AppError, beijingDate, type Clock, maskPhone } from '@itinerary-card/domain';
import { type KeyValue, RefreshingCache } from '@itinerary-card/store';
import type { Person } from '../repositories/people-repo.ts';
import { maskIdNumber, maskName } from '../rules/id-card.ts';
import type { SmsSender } from './auth-service.ts';

/** Name mismatches one phone may get a day (each tells it only that this ID and name do not match). */
const MISMATCHES_PER_DAY = 5;
/** A session lives 7 days: the holder marker must outlive every session opened before the claim. */
const HOLDER_TTL_MS = 7 * 86_400_000;

const phoneTag = (phone: string) => createHash('sha256').update(`hc-holder\0${phone}`).digest('base64url').slice(0, 16);

/** Channel on which a replica announces a claim (the person's id): the others drop that person's marker. */
const HOLDER_CHANGED = 'hc:holder-changed';
const MAX_KEPT = 200_000;

export class ClaimSupport {
  /** Holder markers read lately, by person id (null: none); see `start`. */
  private readonly markers: RefreshingCache<string | null>;
  /** Tags of the phones that checked in lately (a hash each). */
  private readonly tags = new Map<string, string>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly kv: KeyValue,
    private readonly sms: SmsSender,
    private readonly clock: Clock,
    private readonly codeName: string,
    private readonly log: (msg: string, err: unknown) => void = () => {},
    /** How long a replica keeps a marker it read in memory (0: every check-in reads the store). */
    private readonly keepMs = 0,
  ) {
    this.markers = new RefreshingCache({ ttlMs: keepMs, now: () => clock.now(), maxEntries: MAX_KEPT });
  }

  /**
   * Listens for claims made on any replica, so no marker is answered from memory
   * after one; without the listener no marker is kept. A gap in the messages (the
   * store's link lost) forgets every kept marker.
   */
  async start(): Promise<void> {
    if (this.keepMs <= 0 || this.unsubscribe) return;
    this.unsubscribe = await this.kv.subscribe(
      HOLDER_CHANGED,
      (personId) => this.markers.delete(personId),
      () => this.markers.clear(),
    );
  }

  async stop(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    this.markers.clear();
    await u?.();
  }

  /** Counts a name mismatch of this phone; TOO_MANY_REQUESTS past the day's bound. */
  async mismatch(phone: string): Promise<void> {
    const key = `hc:idmis:${phoneTag(phone)}:${beijingDate(this.clock.now())}`;
    if ((await this.kv.incr(key, 86_400_000 + 3_600_000)) > MISMATCHES_PER_DAY) {
      throw new AppError('TOO_MANY_REQUESTS', {
        retryAfterSeconds: Math.max(1, Math.ceil((await this.kv.ttl(key)) / 1000)),
      });
    }
  }

  /** After a claim moved `p` from `fromPhone`: that phone's sessions let go, and it is told by SMS. */
  async claimed(p: Person, fromPhone: string): Promise<void> {
    await this.kv.set(`hc:holder:${p.id}`, phoneTag(p.phone), HOLDER_TTL_MS);
    this.markers.delete(p.id);
    await this.kv.publish(HOLDER_CHANGED, p.id);
    try {
      await this.sms.send({
        to: fromPhone,
        text: `【${this.codeName}】您用本机号码为${maskName(p.name)}（身份证号${maskIdNumber(p.idNumber)}）申领的${this.codeName}，已由其本人使用手机号${maskPhone(p.phone)}认领，本机不再显示该码。如有疑问，请联系当地防疫部门。`,
      });
    } catch (e) {
      // The move stands (it is audited); the notice is best effort.
      this.log('claim notice not sent', e);
    }
  }

  /** True when the person a session acts for has since been claimed by another phone. */
  async holderChanged(personId: string, phone: string): Promise<boolean> {
    const key = `hc:holder:${personId}`;
    const marker = this.unsubscribe ? await this.markers.get(personId, () => this.kv.get(key)) : await this.kv.get(key);
    if (marker === null) return false;
    let tag = this.tags.get(phone);
    if (tag === undefined) {
      if (this.tags.size >= MAX_KEPT) this.tags.clear();
      tag = phoneTag(phone);
      this.tags.set(phone, tag);
    }
    return marker !== tag;
  }
}
