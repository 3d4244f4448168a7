// Beijing time (UTC+08:00): day boundaries, windows and display formats. Pure
// functions over epoch milliseconds; the current time comes from a Clock.
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const BEIJING_OFFSET_MS = 8 * HOUR_MS;

/** The injected source of time. Domain code never calls Date.now(). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that starts at `startMs` and then runs on in real time (API.md `--now`). */
export function offsetClock(startMs: number, base: Clock = systemClock): Clock {
  const delta = startMs - base.now();
  return { now: () => base.now() + delta };
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(s: string): boolean {
  // By character codes, without a regular expression or a Date: registries check two dates
  // per number, tens of thousands of them on every run.
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const digit = (i: number) => {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : Number.NaN;
  };
  const y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const m = digit(5) * 10 + digit(6);
  const d = digit(8) * 10 + digit(9);
  // (NaN fails every comparison.) Years before 100 are refused, as Date.UTC reads them as 19xx.
  if (!(y >= 100 && m >= 1 && m <= 12 && d >= 1)) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[m - 1]!);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of 00:00 Beijing time on the given date (YYYY-MM-DD). */
export function beijingDayStart(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m || !isIsoDate(date)) throw new RangeError(`not a date: ${date}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) - BEIJING_OFFSET_MS;
}

/** The Beijing calendar date (YYYY-MM-DD) of an instant. */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return beijingDate(beijingDayStart(date) + n * DAY_MS);
}

/** `HH:MM` (24-hour) → milliseconds after midnight; NaN when it is not one. */
export function parseTimeOfDay(s: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 : Number.NaN;
}

/** Milliseconds since 00:00 Beijing time of the instant's day. */
export function beijingTimeOfDay(ms: number): number {
  return (((ms + BEIJING_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
}

/** ISO-8601 with the +08:00 offset: 2022-09-08T08:47:05+08:00. */
export function formatBeijing(ms: number): string {
  return `${new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** The card's display form: 2022.09.08 08:47:05. */
export function formatBeijingDisplay(ms: number): string {
  const s = new Date(ms + BEIJING_OFFSET_MS).toISOString();
  return `${s.slice(0, 4)}.${s.slice(5, 7)}.${s.slice(8, 10)} ${s.slice(11, 19)}`;
}

/**
 * Parses a timestamp as the data contract and API allow: ISO-8601 with an
 * offset (or Z), or epoch milliseconds. Returns NaN when it is neither.
 */
export function parseInstant(s: string): number {
  const t = s.trim();
  if (/^\d{10,14}$/.test(t)) return Number(t);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) return Number.NaN;
  return Date.parse(t.replace(' ', 'T'));
}
