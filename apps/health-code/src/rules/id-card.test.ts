import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIdNumber, checkName, idCheckChar, maskIdNumber, maskName } from './id-card.ts';

describe('GB 11643 ID numbers', () => {
  it('accepts a number with the right check character (the standard example)', () => {
    // GB 11643-1999 appendix example: 11010519491231002X
    expect(checkIdNumber('11010519491231002X', '2022-09-08')).toEqual({
      ok: true,
      id: '11010519491231002X',
      birthDate: '1949-12-31',
    });
    expect(checkIdNumber('11010519491231002x', '2022-09-08').ok).toBe(true);
  });
  it('rejects a wrong check character, bad dates, unknown regions and bad formats', () => {
    expect(checkIdNumber('110105194912310021', '2022-09-08')).toEqual({ ok: false, reason: 'check' });
    const feb30 = '36010219900230123';
    expect(checkIdNumber(feb30 + idCheckChar(feb30), '2022-09-08')).toEqual({ ok: false, reason: 'birth' });
    const future = '36010220300101123';
    expect(checkIdNumber(future + idCheckChar(future), '2022-09-08')).toEqual({ ok: false, reason: 'birth' });
    const region = '99010219900101123';
    expect(checkIdNumber(region + idCheckChar(region), '2022-09-08')).toEqual({ ok: false, reason: 'region' });
    expect(checkIdNumber('3601021990010112', '2022-09-08')).toEqual({ ok: false, reason: 'format' });
    expect(checkIdNumber(36010219900101, '2022-09-08')).toEqual({ ok: false, reason: 'format' });
  });
  it('detects every single-digit change (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const base = '36010219900101123';
        const good = base + idCheckChar(base);
        const d = (Number(good[pos]) + delta) % 10;
        const bad = good.slice(0, pos) + d + good.slice(pos + 1);
        const r = checkIdNumber(bad, '2022-09-08');
        return !r.ok;
      }),
    );
  });
  it('masks ids and names', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskName('王小明')).toBe('**明');
    expect(maskName('张三')).toBe('*三');
    expect(checkName('  王 小明 ')).toBe('王 小明');
    expect(checkName('<script>')).toBeUndefined();
    expect(checkName('')).toBeUndefined();
  });
});
