import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  addDays,
  allRegions,
  beijingDate,
  beijingDayStart,
  checkPhone,
  countryName,
  countryOfPlmn,
  errorMessage,
  formatBeijing,
  isIsoDate,
  langFromHeader,
  maskPhone,
  parseInstant,
  parseTimeOfDay,
  regionByCode,
} from './index.ts';

describe('regions', () => {
  it('lists municipalities under their province code and prefecture cities with 6 digits', () => {
    expect(regionByCode('110000')).toMatchObject({ province: '北京市', city: '北京市' });
    expect(regionByCode('360100')).toMatchObject({ province: '江西省', city: '南昌市' });
    expect(regionByCode('429004')?.city).toBe('仙桃市');
    expect(regionByCode('110100')).toBeUndefined();
    expect(allRegions().size).toBeGreaterThan(330);
  });
});

describe('countries', () => {
  it('maps visited networks to countries and the regions HK, MO, TW', () => {
    expect(countryOfPlmn('45400')).toBe('HK');
    expect(countryOfPlmn('45501')).toBe('MO');
    expect(countryOfPlmn('46692')).toBe('TW');
    expect(countryOfPlmn('44010')).toBe('JP');
    expect(countryOfPlmn('310260')).toBe('US');
    expect(countryOfPlmn('46000')).toBe('CN');
    expect(countryOfPlmn('99999')).toBeUndefined();
    expect(countryOfPlmn('4401')).toBeUndefined();
  });
  it('names countries in Chinese and regions as parts of China', () => {
    expect(countryName('JP')).toBe('日本');
    expect(countryName('HK')).toBe('中国香港');
    expect(countryName('TW', 'en')).toBe('Taiwan, China');
  });
});

describe('phone numbers', () => {
  it('accepts mainland mobiles in the forms people type them', () => {
    expect(checkPhone('13800000001')).toEqual({ ok: true, msisdn: '13800000001' });
    expect(checkPhone('+86 138-0000-0001')).toEqual({ ok: true, msisdn: '13800000001' });
    expect(checkPhone('１３８００００００01')).toEqual({ ok: true, msisdn: '13800000001' });
  });
  it('tells overseas numbers from malformed ones', () => {
    expect(checkPhone('+85291234567')).toEqual({ ok: false, reason: 'overseas' });
    expect(checkPhone('91234567')).toEqual({ ok: false, reason: 'overseas' });
    expect(checkPhone('12345')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkPhone('1380000000a')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkPhone(null)).toEqual({ ok: false, reason: 'invalid' });
  });
  it('masks the middle four digits', () => {
    expect(maskPhone('13800000001')).toBe('138****0001');
  });
});

describe('Beijing time', () => {
  it('computes day starts and dates in UTC+8', () => {
    expect(formatBeijing(beijingDayStart('2022-09-08'))).toBe('2022-09-08T00:00:00+08:00');
    expect(beijingDate(Date.parse('2022-09-07T16:00:00Z'))).toBe('2022-09-08');
    expect(beijingDate(Date.parse('2022-09-07T15:59:59Z'))).toBe('2022-09-07');
    expect(addDays('2022-09-08', -7)).toBe('2022-09-01');
    expect(addDays('2022-03-01', -1)).toBe('2022-02-28');
  });
  it('parses ISO-8601 with offset and epoch milliseconds, and nothing else', () => {
    expect(parseInstant('2022-09-01T08:30:00+08:00')).toBe(Date.parse('2022-09-01T00:30:00Z'));
    expect(parseInstant('1661992200000')).toBe(1661992200000);
    expect(parseInstant('2022-09-01T08:30:00')).toBeNaN();
    expect(parseInstant('yesterday')).toBeNaN();
    expect(() => beijingDayStart('2022-02-30')).toThrow();
  });
  it('tells a calendar date written YYYY-MM-DD, as the Date-based check does', () => {
    const byDate = (s: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
      if (!m) return false;
      const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
      return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
    };
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
    const near = fc
      .tuple(digits(4), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.constantFrom('-', '/'))
      .map(([y, m, d, sep]) => `${y}${sep}${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.oneof(
          near,
          fc.string({ maxLength: 12 }),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
        ),
        (s) => isIsoDate(s) === byDate(s),
      ),
      { numRuns: 5000 },
    );
    for (const s of ['2024-02-29', '2000-02-29', '0100-01-01']) expect(isIsoDate(s)).toBe(true);
    for (const s of ['2023-02-29', '1900-02-29', '0099-12-31', '2022-9-08', '２０２２-09-08', '2022-09-08 ']) {
      expect(isIsoDate(s)).toBe(false);
    }
  });
  it('reads a time of day as HH:MM, 24-hour, and nothing else', () => {
    expect(parseTimeOfDay('08:00')).toBe(8 * 3_600_000);
    expect(parseTimeOfDay('23:59')).toBe((23 * 60 + 59) * 60_000);
    expect(parseTimeOfDay('00:00')).toBe(0);
    for (const bad of ['24:00', '8:00', '08:60', '08:00:00', ' 08:00', '']) expect(parseTimeOfDay(bad)).toBeNaN();
  });
});

describe('errors', () => {
  it('carry a stable code, status and both languages', () => {
    const e = new AppError('NEW_SUBSCRIBER');
    expect(e.status).toBe(403);
    expect(errorMessage('NEW_SUBSCRIBER', 'zh')).toMatch(/^经核验，您所使用的手机号码开户时间未满7天/);
    expect(errorMessage('ILLEGAL_ACCESS', 'zh')).toMatch(/^非法访问/);
    expect(langFromHeader('en-US,en;q=0.9')).toBe('en');
    expect(langFromHeader(undefined)).toBe('zh');
  });

  it('of a limit say how long to wait', () => {
    expect(errorMessage('TOO_MANY_ATTEMPTS', 'zh', { retryAfterSeconds: 60 })).toBe(
      '验证码错误次数过多，请稍后重新获取（请60秒后再试）',
    );
    expect(errorMessage('TOO_MANY_REQUESTS', 'en', { retryAfterSeconds: 240 })).toBe(
      'Too many requests. Please try again later. Please wait 4 minutes (240 seconds).',
    );
    expect(errorMessage('TOO_MANY_REQUESTS', 'zh', {})).toBe('请求过于频繁，请稍后再试');
  });
});
