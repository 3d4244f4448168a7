// Self-service scan and punch (自助扫码打卡): a holder scans a venue code or a
// checkpoint's verification code and a check-in is recorded. The hot path: a
// cached venue lookup and a group-committed insert, nothing else.
import { type Clock, formatBeijing, VENUE_KIND_ZH } from '@itinerary-card/domain';
import type { CheckinWriter } from '../repositories/checkin-writer.ts';
import type { Venue } from '../repositories/venue-repo.ts';
import type { VenueService } from './venue-service.ts';

/** A venue as the check-in answer shows it. */
export interface VenueAnswer {
  id: string;
  kind: Venue['kind'];
  kindName: string;
  name: string;
}

export class CheckinService {
  /** The answer's venue part, made once per cached venue (the same few posters are scanned over and over). */
  private readonly answers = new WeakMap<Venue, VenueAnswer>();
  /** The answer's time to the second, made once a second. */
  private stamp = { second: Number.NaN, text: '' };

  constructor(
    private readonly venues: VenueService,
    private readonly writer: CheckinWriter,
    private readonly clock: Clock,
  ) {}

  async punch(personId: string, scanned: unknown) {
    const venue = await this.venues.resolve(scanned);
    const at = this.clock.now();
    await this.writer.write(venue.id, personId, at);
    let answer = this.answers.get(venue);
    if (answer === undefined) {
      answer = { id: venue.id, kind: venue.kind, kindName: VENUE_KIND_ZH[venue.kind], name: venue.name };
      this.answers.set(venue, answer);
    }
    const second = Math.floor(at / 1000);
    if (second !== this.stamp.second) this.stamp = { second, text: formatBeijing(at) };
    return { venue: answer, at: this.stamp.text };
  }
}
