import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseKeyword, parseCommand } from './keyword.ts';

describe('keywords', () => {
  it('accepts CXMYD in full-width letters, any case, with spaces and punctuation around', () => {
    for (const t of [
      'CXMYD',
      'ＣＸＭＹＤ',
      'cxmyd ',
      ' CxMyD\n',
      'C X M Y D',
      'ｃｘｍｙｄ。',
      'CXMYD\u3000',
      '\u200bCXMYD!',
    ]) {
      expect(parseCommand(t)).toBe('itinerary');
    }
  });

  it('treats anything else as a request for help', () => {
    for (const t of ['', 'CXMY', 'CXMYDD', '查询', 'CX MYD 14', 'hello']) expect(parseCommand(t)).toBe('help');
  });

  it('is idempotent and ignores case for any text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const n = normaliseKeyword(s);
        expect(normaliseKeyword(n)).toBe(n);
        expect(normaliseKeyword(s.toLowerCase())).toBe(normaliseKeyword(s.toUpperCase()));
      }),
    );
  });
});
