// Reading the concatenation element out of the UDH list node-smpp hands us
// (one Buffer per information element: IEI, length, data).
import type { ConcatInfo } from './sms-encoding.ts';

export function concatFromUdh(udh: unknown): ConcatInfo | undefined {
  if (!Array.isArray(udh)) return undefined;
  for (const ie of udh) {
    if (!Buffer.isBuffer(ie) || ie.length < 2) continue;
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return { ref: ie[2]!, total: ie[3]!, seq: ie[4]! };
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6) return { ref: ie.readUInt16BE(2), total: ie[4]!, seq: ie[5]! };
  }
  return undefined;
}

/** The text of a decoded short_message / message_payload field as node-smpp gives it. */
export function messageText(field: unknown): string {
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  if (field && typeof field === 'object' && 'message' in field) {
    const m = (field as { message: unknown }).message;
    if (typeof m === 'string') return m;
    if (Buffer.isBuffer(m)) return m.toString('latin1');
  }
  return '';
}

export function messageUdh(field: unknown): unknown {
  return field && typeof field === 'object' && 'udh' in field ? (field as { udh: unknown }).udh : undefined;
}
