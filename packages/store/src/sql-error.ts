// What a failed statement's error may carry into a log: never its parameters
// (PGlite attaches them, numbers included), and mobile numbers in the server's
// message or detail (a unique violation quotes the key) masked.
import { maskPhone } from '@itinerary-card/domain';

const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
const mask = (s: string) => s.replace(MOBILE, (m) => maskPhone(m));

/** Strips parameters and masks numbers of a SQL error, in place; returns it for `throw`. */
export function scrubSqlError<T>(e: T): T {
  if (e === null || typeof e !== 'object') return e;
  const err = e as Record<string, unknown>;
  for (const k of ['params', 'queryOptions']) if (k in err) delete err[k];
  for (const k of ['message', 'detail', 'stack', 'where', 'internalQuery'])
    if (typeof err[k] === 'string') err[k] = mask(err[k] as string);
  return e;
}
