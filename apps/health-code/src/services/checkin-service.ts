// Self-service scan and punch (自助扫码打卡): a holder scans a venue code or a
// checkpoint's verification code and a check-in is recorded. The hot path: a
// cached venue lookup and a group-committed insert, nothing else.
import { type Clock, formatBeijing, VENUE_KIND_ZH } from '@itinerary-card/domain';
import type { CheckinWriter } from '../repositories/checkin-writer.ts';
import type { VenueService } from './venue-service.ts';

export class CheckinService {
  constructor(
    private readonly venues: VenueService,
    private readonly writer: CheckinWriter,
    private readonly clock: Clock,
  ) {}

  async punch(personId: string, scanned: unknown) {
    const venue = await this.venues.resolve(scanned);
    const at = this.clock.now();
    await this.writer.write(venue.id, personId, at);
    return {
      venue: { id: venue.id, kind: venue.kind, kindName: VENUE_KIND_ZH[venue.kind], name: venue.name },
      at: formatBeijing(at),
    };
  }
}
