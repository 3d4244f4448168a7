// Option parsers shared by the commands: each throws commander's
// InvalidArgumentError, which commander prints with the option's name.
import { isIsoDate } from '@itinerary-card/domain';
import { InvalidArgumentError } from 'commander';

export function isoDate(v: string): string {
  if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return v;
}

export function windowDays(v: string): 7 | 14 {
  if (v !== '7' && v !== '14') throw new InvalidArgumentError('expected 7 or 14');
  return Number(v) as 7 | 14;
}

/** A whole number from 1 to `max`; `what` (an option's name) leads the message where commander's own does not. */
export function positiveInt(max: number, what?: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max)
      throw new InvalidArgumentError(`${what ? `${what}: ` : ''}expected an integer from 1 to ${max}`);
    return n;
  };
}

/** `--shard-records`: how many records a run holds in memory at once (the pipeline's default is 40 million). */
export const SHARD_RECORDS_OPTION = {
  flags: '--shard-records <n>',
  description:
    'records processed per pass (default 40000000, about 4 GB): a larger input is read once, spread over a temporary file per pass (TMPDIR), and processed pass by pass',
  parse: positiveInt(2 ** 31 - 1, '--shard-records'),
} as const;

/** `--engine`: which stay engine compute runs; the native one (C++) falls back to TypeScript where it is not built. */
export function stayEngine(v: string): 'native' | 'typescript' {
  if (v !== 'native' && v !== 'typescript') throw new InvalidArgumentError('expected native or typescript');
  return v;
}

/** `--allow-partial`: a run that could not read part of its input exits 0 all the same. */
export const ALLOW_PARTIAL_OPTION = {
  flags: '--allow-partial',
  description:
    'accept a run that could not read part of its input (a truncated, corrupt or unopenable signaling file, a day without records): exit 0 instead of 3',
} as const;

/** Exit status of a run that lost part of its input (INPUT_PARTIAL, DAY_WITHOUT_RECORDS) without --allow-partial. */
export const PARTIAL_EXIT = 3;
