// Splits a text into SMS parts (GSM 7-bit for plain ASCII, UCS-2 otherwise,
// concatenated with an 8-bit-reference UDH).
import { AppError } from '@itinerary-card/domain';

const DATA_CODING_DEFAULT = 0x00;
export const DATA_CODING_LATIN1 = 0x03;
export const DATA_CODING_UCS2 = 0x08;
export const ESM_CLASS_UDHI = 0x40;

/** Characters that GSM 03.38 and ASCII encode with the same value, one octet each in SMPP. */
const GSM_SAFE_RE = /^[A-Za-z0-9 \r\n!"#%&'()*+,\-./:;<=>?]*$/;

export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;
const GSM_SINGLE = 160;
const GSM_PART = 153;

export interface EncodedSms {
  dataCoding: number;
  esmClass: number;
  /** Each part's short_message bytes (UDH included when there are several). */
  parts: Buffer[];
}

function isGsmSafe(text: string): boolean {
  return GSM_SAFE_RE.test(text);
}

/** How many parts `text` takes, without encoding it. */
export function countParts(text: string): number {
  if (isGsmSafe(text)) return text.length <= GSM_SINGLE ? 1 : Math.ceil(text.length / GSM_PART);
  return text.length <= UCS2_SINGLE ? 1 : splitUcs2(text, UCS2_PART).length;
}

/** Cuts UTF-16 text into chunks of at most `size` code units without splitting a surrogate pair. */
export function splitUcs2(text: string, size: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * Encodes `text` as SMS parts. `ref` is the concatenation reference (0-255)
 * shared by the parts; `maxParts` bounds the result (SMS_TOO_LONG beyond it).
 */
export function encodeSms(text: string, ref: number, maxParts = 8): EncodedSms {
  if (text.length === 0) throw new AppError('BAD_REQUEST', { reason: 'empty SMS text' });
  const gsm = isGsmSafe(text);
  const dataCoding = gsm ? DATA_CODING_DEFAULT : DATA_CODING_UCS2;
  const encode = (s: string): Buffer => (gsm ? Buffer.from(s, 'latin1') : ucs2Encode(s));
  if (text.length <= (gsm ? GSM_SINGLE : UCS2_SINGLE)) {
    return { dataCoding, esmClass: 0, parts: [encode(text)] };
  }
  const chunks = gsm ? chunkPlain(text, GSM_PART) : splitUcs2(text, UCS2_PART);
  if (chunks.length > maxParts || chunks.length > 255) {
    throw new AppError('SMS_TOO_LONG', { parts: chunks.length, maxParts });
  }
  const parts = chunks.map((chunk, i) =>
    Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref & 0xff, chunks.length, i + 1]), encode(chunk)]),
  );
  return { dataCoding, esmClass: ESM_CLASS_UDHI, parts };
}

function chunkPlain(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function ucs2Encode(s: string): Buffer {
  const b = Buffer.from(s, 'utf16le');
  b.swap16();
  return b;
}

export function ucs2Decode(b: Buffer): string {
  const copy = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
  copy.swap16();
  return copy.toString('utf16le');
}

export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
}
