import { beijingDayStart, HOUR_MS } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { servingDay } from './serving-day.ts';

describe('servingDay', () => {
  it('switches to the new day at the update time, Beijing time', () => {
    const d = beijingDayStart('2022-09-08');
    expect(servingDay(d + 8 * HOUR_MS - 1, 8 * HOUR_MS)).toBe('2022-09-07');
    expect(servingDay(d + 8 * HOUR_MS, 8 * HOUR_MS)).toBe('2022-09-08');
    expect(servingDay(d - 1, 8 * HOUR_MS)).toBe('2022-09-07');
    expect(servingDay(d + 1, 8 * HOUR_MS)).toBe('2022-09-07');
    expect(servingDay(d + 9 * HOUR_MS, 10 * HOUR_MS)).toBe('2022-09-07');
  });
});
