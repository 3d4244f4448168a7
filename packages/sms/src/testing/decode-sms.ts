// Decodes a short_message the transport sent (as a peer received it), for tests
// that check the text and the concatenation header on the wire.
import { type ConcatInfo, DATA_CODING_LATIN1, DATA_CODING_UCS2, ESM_CLASS_UDHI, ucs2Decode } from '../sms-encoding.ts';
import { concatFromUdh } from '../udh.ts';

export interface DecodedPart {
  text: string;
  concat?: ConcatInfo;
}

/** Decodes one short_message (submit_sm / deliver_sm) into text and its concatenation header. */
export function decodeSms(dataCoding: number, esmClass: number, payload: Buffer): DecodedPart {
  let body = payload;
  let concat: ConcatInfo | undefined;
  if (esmClass & ESM_CLASS_UDHI && payload.length > 0) {
    const udhLen = payload[0]!;
    body = payload.subarray(1 + udhLen);
    // The header as node-smpp hands it to the transport (one Buffer per element),
    // so the one parser of the concatenation element reads it.
    concat = concatFromUdh(udhElements(payload.subarray(1, 1 + udhLen)));
  }
  const coding = dataCoding & 0x0f;
  let text: string;
  if (coding === DATA_CODING_UCS2) text = ucs2Decode(body);
  else if (coding === DATA_CODING_LATIN1) text = body.toString('latin1');
  else text = decodeGsmOctets(body);
  return concat ? { text, concat } : { text };
}

/** The information elements of a user data header: IEI, length, data each. */
function udhElements(udh: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < udh.length; i += 2 + udh[i + 1]!) out.push(udh.subarray(i, i + 2 + udh[i + 1]!));
  return out;
}

// GSM 03.38 octets (one per septet, as SMPP carries them) for the characters
// people actually send to a short code; ASCII otherwise.
const GSM_DIFF: Record<number, string> = { 0: '@', 2: '$', 17: '_', 10: '\n', 13: '\r' };
function decodeGsmOctets(b: Buffer): string {
  let s = '';
  for (const c of b) s += GSM_DIFF[c] ?? (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?');
  return s;
}
