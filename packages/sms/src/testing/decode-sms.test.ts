import { describe, expect, it } from 'vitest';
import { ucs2Encode } from '../sms-encoding.ts';
import { decodeSms } from './decode-sms.ts';

describe('decodeSms', () => {
  it('reads 8- and 16-bit concatenation headers, skipping other elements', () => {
    const body = ucs2Encode('行程');
    const eight = Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x2a, 3, 2]), body]);
    expect(decodeSms(8, 0x40, eight)).toEqual({ text: '行程', concat: { ref: 0x2a, total: 3, seq: 2 } });
    // A port-addressing element (IEI 0x05, 4 octets) before a 16-bit reference.
    const sixteen = Buffer.concat([Buffer.from([0x0c, 0x05, 0x04, 0, 0, 0, 0, 0x08, 0x04, 0x12, 0x34, 2, 1]), body]);
    expect(decodeSms(8, 0x40, sixteen)).toEqual({ text: '行程', concat: { ref: 0x1234, total: 2, seq: 1 } });
    expect(decodeSms(0, 0, Buffer.from('CXMYD'))).toEqual({ text: 'CXMYD' });
  });
});
