import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countParts, encodeSms, splitUcs2 } from './sms-encoding.ts';
import { type DecodedPart, decodeSms } from './testing/decode-sms.ts';

function roundTrip(text: string, ref = 7): { parts: DecodedPart[]; joined: string } {
  const enc = encodeSms(text, ref, 255);
  const parts = enc.parts.map((p) => decodeSms(enc.dataCoding, enc.esmClass, p));
  return { parts, joined: parts.map((p) => p.text).join('') };
}

describe('encodeSms', () => {
  it('keeps plain ASCII in one GSM part up to 160 characters and UCS-2 Chinese up to 70', () => {
    expect(encodeSms('Code 123456', 1)).toMatchObject({ dataCoding: 0, esmClass: 0 });
    expect(encodeSms('a'.repeat(160), 1).parts).toHaveLength(1);
    expect(encodeSms('a'.repeat(161), 1).parts).toHaveLength(2);
    const zh = encodeSms('行'.repeat(70), 1);
    expect(zh).toMatchObject({ dataCoding: 8, esmClass: 0 });
    expect(zh.parts[0]).toHaveLength(140);
    expect(encodeSms('行'.repeat(71), 1).parts).toHaveLength(2);
  });

  it('puts a concatenation UDH on every part of a long message (67 UCS-2 characters each)', () => {
    const enc = encodeSms('程'.repeat(140), 0x2a);
    expect(enc.esmClass).toBe(0x40);
    expect(enc.parts).toHaveLength(3);
    enc.parts.forEach((p, i) => {
      expect([...p.subarray(0, 6)]).toEqual([5, 0, 3, 0x2a, 3, i + 1]);
      expect(p.length).toBeLessThanOrEqual(6 + 134);
    });
  });

  it('treats characters GSM and ASCII encode differently (@, $, _) as UCS-2', () => {
    expect(encodeSms('a@b', 1).dataCoding).toBe(8);
  });

  it('refuses a message longer than maxParts with SMS_TOO_LONG, and an empty one', () => {
    expect(() => encodeSms('长'.repeat(67 * 4 + 1), 1, 4)).toThrow(expect.objectContaining({ code: 'SMS_TOO_LONG' }));
    expect(() => encodeSms('', 1)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('never splits a surrogate pair across parts', () => {
    const text = `${'a中'.repeat(33)}😀${'b'.repeat(10)}`;
    const chunks = splitUcs2(text, 67);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(67);
    expect(chunks[0]!.endsWith('\ud83d')).toBe(false);
    expect(chunks.join('')).toBe(text);
  });

  it('round-trips any text through encode and decode, with parts numbered in order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 0, max: 255 }), (text, ref) => {
        fc.pre(text.length > 0);
        const { parts, joined } = roundTrip(text, ref);
        expect(joined).toBe(text);
        expect(parts.length).toBe(countParts(text));
        if (parts.length > 1) {
          parts.forEach((p, i) => {
            expect(p.concat).toEqual({ ref, total: parts.length, seq: i + 1 });
          });
        }
      }),
    );
  });
});
