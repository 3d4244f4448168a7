// Log masking for every server (platform, health-code system, operator node):
// each log line is masked as it is written, so no full mobile number or ID
// number leaves the process, whatever logged it (a request URL such as
// /internal/v1/itinerary/<number>, an error message quoting SQL parameters).
import { maskPhone } from '@itinerary-card/domain';
import type { FastifyServerOptions } from 'fastify';

/** A mainland mobile number standing alone (not part of a longer run of digits, e.g. a timestamp). */
const PHONE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
/** An 18-character resident ID number (region, birth date, sequence, check character). */
const ID_NUMBER =
  /(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])/g;
/** Cheap test before the ID pattern: most lines have no run of 17 digits (pino's times have 13). */
const MAYBE_ID = /\d{17}/;

/** `text` with every mobile number masked (138****0001) and every ID number masked (3601**********5551). */
export function maskSensitive(text: string): string {
  const out = text.replace(PHONE, maskPhone);
  return MAYBE_ID.test(out) ? out.replace(ID_NUMBER, (m) => `${m.slice(0, 4)}**********${m.slice(-4)}`) : out;
}

/** The request serializer: method, masked URL, client address. */
function maskedRequest(req: { method: string; url: string; ip?: string }) {
  return { method: req.method, url: maskSensitive(req.url), ip: req.ip };
}

interface LineSink {
  write(line: string): unknown;
}

/** A pino destination that masks each line before handing it to `dest` (stdout when absent). */
export function maskingStream(dest: LineSink = process.stdout): LineSink {
  return { write: (line: string) => dest.write(maskSensitive(line)) };
}

/**
 * Fastify's `logger` option with masking: the request serializer and a masking
 * stream in front of the given one (stdout by default). `false`/absent: no logs.
 */
export function maskedLogger(logger: FastifyServerOptions['logger'] | undefined): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const o = (logger === true ? {} : logger) as { stream?: LineSink; serializers?: Record<string, unknown> };
  return {
    ...o,
    stream: maskingStream(o.stream),
    serializers: { ...(o.serializers ?? {}), req: maskedRequest },
  } as FastifyServerOptions['logger'];
}
