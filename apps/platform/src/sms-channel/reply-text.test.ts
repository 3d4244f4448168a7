import { countParts } from '@itinerary-card/sms';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorReply, helpReply, itineraryReply, rateLimitedReply, type SmsItineraryAnswer } from './reply-text.ts';

const answer: SmsItineraryAnswer = {
  phone: '138****0001',
  updatedAt: '2022-09-08T08:05:00+08:00',
  windowDays: 7,
  cities: [
    { province: '北京市', city: '北京市', risk: false },
    { province: '江西省', city: '南昌市', risk: true },
  ],
  countries: [{ name: '日本' }],
  notes: ['*注：* 表示当前该城市存在中风险或高风险地区，并不表示用户实际到访过这些中高风险地区。'],
};

describe('itinerary reply', () => {
  it('shows the masked number, update time, cities (province+city, municipalities once), countries and notes', () => {
    expect(itineraryReply(answer)).toBe(
      '【通信行程卡】138****0001，更新时间：2022.09.08 08:05:00。您于前7天内到达或途经：北京市，江西省南昌市*，日本。*注：* 表示当前该城市存在中风险或高风险地区，并不表示用户实际到访过这些中高风险地区。',
    );
  });

  it('says 无 when the window holds no city and no country', () => {
    expect(itineraryReply({ ...answer, cities: [], countries: [], notes: [] })).toMatch(/到达或途经：无。$/);
  });

  it('summarises a long list, keeping the countries, and never exceeds the parts allowed', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ province: '黑龙江省', city: `第${i}市`, risk: false }));
    const text = itineraryReply({ ...answer, cities: many, countries: [{ name: '日本' }, { name: '中国香港' }] }, 3);
    expect(countParts(text)).toBeLessThanOrEqual(3);
    expect(text).toContain('共60个城市和2个国家（地区）');
    expect(text).toContain('日本，中国香港');
    expect(text).toContain('黑龙江省第0市');
  });

  it('fits any answer into the parts allowed', () => {
    const city = fc.record({
      province: fc.string({ maxLength: 8 }),
      city: fc.string({ maxLength: 10 }),
      risk: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(city, { maxLength: 80 }),
        fc.array(fc.record({ name: fc.string({ maxLength: 12 }) }), { maxLength: 30 }),
        fc.array(fc.string({ maxLength: 120 }), { maxLength: 3 }),
        fc.integer({ min: 1, max: 6 }),
        (cities, countries, notes, maxParts) => {
          const text = itineraryReply({ ...answer, cities, countries, notes }, maxParts);
          expect(countParts(text)).toBeLessThanOrEqual(maxParts);
          expect(text.startsWith('【通信行程卡】138****0001')).toBe(true);
        },
      ),
    );
  });
});

describe('error, help and limit replies', () => {
  it('uses the error table wording and adds only the notes it does not already contain', () => {
    const porting = '如果您是“携号转网”的用户，用户信息同步及行程计算有一定时间差，行程信息的计算会有1-2天的延迟。';
    const noData = errorReply('NO_DATA', '138****0003', [porting]);
    expect(noData.startsWith('【通信行程卡】138****0003：未查询到您的行程数据。')).toBe(true);
    expect(noData.split('携号转网')).toHaveLength(2);
    const mvno = '虚拟运营商手机号查询不完全支持，不保证查询结果的准确性。';
    expect(errorReply('NEW_SUBSCRIBER', '170****0005', [mvno])).toContain(
      '经核验，您所使用的手机号码开户时间未满7天，暂不提供行程查询服务。',
    );
    expect(errorReply('NEW_SUBSCRIBER', '170****0005', [mvno]).endsWith(mvno)).toBe(true);
    expect(countParts(noData)).toBeLessThanOrEqual(4);
  });

  it('names the short code that was texted in the help reply and the wait in the limit reply', () => {
    expect(helpReply('10000')).toContain('请发送CXMYD到10000');
    expect(countParts(helpReply('10086'))).toBe(1);
    expect(rateLimitedReply(9 * 60_000 + 1)).toBe('【通信行程卡】请求过于频繁，请10分钟后再试。');
  });
});
