// Which query day the platform serves: day D after D's update time (08:00
// Beijing by default), the day before until then.
import { addDays, beijingDate, beijingTimeOfDay } from '@itinerary-card/domain';

export function servingDay(now: number, updateTimeMs: number): string {
  const today = beijingDate(now);
  return beijingTimeOfDay(now) >= updateTimeMs ? today : addDays(today, -1);
}
