// Which query day the platform serves: day D after D's update time (08:00
// Beijing by default), the day before until then. Memoised per Beijing day:
// it is asked on every query.
import { addDays, BEIJING_OFFSET_MS, beijingDate, beijingTimeOfDay, DAY_MS } from '@itinerary-card/domain';

let memo = { dayIndex: Number.NaN, updateTimeMs: Number.NaN, before: '', after: '' };

export function servingDay(now: number, updateTimeMs: number): string {
  const dayIndex = Math.floor((now + BEIJING_OFFSET_MS) / DAY_MS);
  if (memo.dayIndex !== dayIndex || memo.updateTimeMs !== updateTimeMs) {
    const today = beijingDate(now);
    memo = { dayIndex, updateTimeMs, before: addDays(today, -1), after: today };
  }
  return beijingTimeOfDay(now) >= updateTimeMs ? memo.after : memo.before;
}
