// A live Beijing-time clock (HH:MM:SS) that ticks on each second boundary, so
// checkpoint staff can see the card is live and not a screenshot.
import { formatBeijingDisplay } from '@itinerary-card/domain';

export interface ClockParts {
  date: string;
  time: string;
}

export function beijingParts(ms: number): ClockParts {
  const s = formatBeijingDisplay(ms);
  return { date: s.slice(0, 10), time: s.slice(11, 19) };
}

/** Calls `render` now and at every following second; returns a stop function. */
export function startTicking(render: (parts: ClockParts) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const now = Date.now();
    render(beijingParts(now));
    timer = setTimeout(tick, 1000 - (now % 1000) + 5);
  };
  tick();
  return () => clearTimeout(timer);
}
