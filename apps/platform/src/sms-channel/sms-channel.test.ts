import { AppError, ManualClock } from '@itinerary-card/domain';
import { OutboxTransport } from '@itinerary-card/sms';
import { describe, expect, it } from 'vitest';
import { type ItineraryQuery, SmsChannel } from './sms-channel.ts';

const silent = { info() {}, warn() {}, error() {} };

/** A fake of the platform's ItineraryService: answers by number, records the calls. */
class FakeItinerary implements ItineraryQuery {
  calls: Array<{ msisdn: string; opts: unknown }> = [];
  async query(msisdn: string, opts: { days: 7; channel: 'sms' }) {
    this.calls.push({ msisdn, opts });
    if (msisdn === '13800000002') throw new AppError('NEW_SUBSCRIBER');
    if (msisdn === '13800000003') throw new AppError('NO_DATA');
    if (msisdn === '13800000008') throw new AppError('QUERY_FAILED');
    if (msisdn === '13800000009') throw new Error('socket hang up');
    return {
      phone: `${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`,
      updatedAt: '2022-09-08T08:05:00+08:00',
      windowDays: 7,
      cities: [{ province: '江西省', city: '南昌市', risk: false }],
      countries: [{ name: '日本' }],
      notes: msisdn.startsWith('170') ? ['虚拟运营商手机号查询不完全支持，不保证查询结果的准确性。'] : [],
    };
  }
}

function setup() {
  const clock = new ManualClock(Date.UTC(2022, 8, 8, 2));
  const outbox = new OutboxTransport({ clock });
  const itinerary = new FakeItinerary();
  const channel = new SmsChannel({ itinerary, sender: outbox, clock, log: silent });
  return { clock, outbox, itinerary, channel };
}

describe('SmsChannel', () => {
  it('answers CXMYD with the itinerary, from the short code that was texted', async () => {
    const { outbox, itinerary, channel } = setup();
    expect(await channel.handle({ from: '8613800000001', to: '10086', text: 'ＣＸＭＹＤ' })).toBe('replied');
    expect(itinerary.calls).toEqual([{ msisdn: '13800000001', opts: { days: 7, channel: 'sms' } }]);
    const [m] = outbox.list('13800000001');
    expect(m).toMatchObject({ from: '10086', to: '13800000001' });
    expect(m!.text).toBe(
      '【通信行程卡】138****0001，更新时间：2022.09.08 08:05:00。您于前7天内到达或途经：江西省南昌市，日本。',
    );
  });

  it('replies with the new-number, no-data and query-failed messages, and never stays silent on a crash', async () => {
    const { outbox, channel } = setup();
    for (const n of ['13800000002', '13800000003', '13800000008', '13800000009']) {
      await channel.handle({ from: n, to: '10086', text: 'cxmyd ' });
    }
    expect(outbox.list('13800000002')[0]!.text).toContain('开户时间未满7天');
    expect(outbox.list('13800000003')[0]!.text).toContain('未查询到您的行程数据');
    expect(outbox.list('13800000008')[0]!.text).toContain('数据查询异常');
    expect(outbox.list('13800000009')[0]!.text).toContain('数据查询异常');
  });

  it('adds the MVNO caveat when the answer carries it', async () => {
    const { outbox, channel } = setup();
    await channel.handle({ from: '17000000005', to: '10086', text: 'CXMYD' });
    expect(outbox.list('17000000005')[0]!.text).toMatch(/虚拟运营商手机号查询不完全支持/);
  });

  it("answers an unknown keyword with a short help naming the sender's own short code, without querying", async () => {
    const { outbox, itinerary, channel } = setup();
    expect(await channel.handle({ from: '13800000001', to: '10000', text: '行程' })).toBe('help');
    expect(itinerary.calls).toHaveLength(0);
    expect(outbox.list()[0]).toMatchObject({ from: '10000', text: expect.stringContaining('请发送CXMYD到10086') });
  });

  it("answers only its own operator's subscribers; others are told their operator's code", async () => {
    const { outbox, itinerary, channel } = setup();
    // 189 is China Telecom's: 10086 (China Mobile) has no itinerary for it.
    expect(await channel.handle({ from: '18900000001', to: '10086', text: 'CXMYD' })).toBe('other_operator');
    expect(itinerary.calls).toHaveLength(0);
    expect(outbox.list('18900000001')).toEqual([
      expect.objectContaining({
        from: '10086',
        text: '【通信行程卡】您的号码属于中国电信，请发送短信CXMYD到所属运营商中国电信10000进行查询。',
      }),
    ]);
    expect(await channel.handle({ from: '18900000001', to: '10000', text: 'CXMYD' })).toBe('replied');
    expect(outbox.list('18900000001').at(-1)).toMatchObject({
      from: '10000',
      text: expect.stringContaining('189****0001'),
    });
  });

  it('follows a ported number to the operator it ported to', async () => {
    const clock = new ManualClock(Date.UTC(2022, 8, 8, 2));
    const outbox = new OutboxTransport({ clock });
    const channel = new SmsChannel({
      itinerary: new FakeItinerary(),
      sender: outbox,
      clock,
      log: silent,
      operatorOf: async (msisdn) => (msisdn === '13800000001' ? 'cucc' : undefined),
    });
    expect(await channel.handle({ from: '13800000001', to: '10086', text: 'CXMYD' })).toBe('other_operator');
    expect(outbox.list()[0]!.text).toContain('中国联通10010');
    expect(await channel.handle({ from: '13800000001', to: '10010', text: 'CXMYD' })).toBe('replied');
    // Unknown operator (an MVNO number nobody registered): any code answers.
    expect(await channel.handle({ from: '17000000005', to: '10000', text: 'CXMYD' })).toBe('replied');
    const down = new SmsChannel({
      itinerary: new FakeItinerary(),
      sender: outbox,
      clock,
      log: silent,
      operatorOf: () => Promise.reject(new Error('registry unreachable')),
    });
    expect(await down.handle({ from: '18900000002', to: '10086', text: 'CXMYD' })).toBe('replied');
  });

  it('for a transport, resolves once the reply is queued and throws when it cannot be', async () => {
    const clock = new ManualClock(0);
    let queued = 0;
    const pending = new SmsChannel({
      itinerary: new FakeItinerary(),
      sender: {
        send: () => {
          queued += 1;
          return new Promise(() => {});
        },
      },
      clock,
      log: silent,
    });
    expect(await pending.handleInbound({ from: '13800000001', to: '10086', text: 'CXMYD' })).toBe('replied');
    expect(queued).toBe(1);
    const refused = new SmsChannel({
      itinerary: new FakeItinerary(),
      sender: { isLinkDown: true, send: () => Promise.reject(new AppError('SMS_SEND_FAILED')) },
      clock,
      log: silent,
    });
    await expect(refused.handleInbound({ from: '13800000001', to: '10086', text: 'CXMYD' })).rejects.toMatchObject({
      code: 'SMS_SEND_FAILED',
    });
  });

  it('limits CXMYD per number: told once over the limit, then silence until the window passes', async () => {
    const { outbox, itinerary, clock, channel } = setup();
    const send = () => channel.handle({ from: '13800000001', to: '10086', text: 'CXMYD' });
    for (let i = 0; i < 5; i++) expect(await send()).toBe('replied');
    expect(await send()).toBe('rate_limited');
    expect(await send()).toBe('rate_limited');
    expect(itinerary.calls).toHaveLength(5);
    expect(outbox.list()).toHaveLength(6);
    expect(outbox.list().at(-1)!.text).toContain('请求过于频繁');
    expect(await channel.handle({ from: '13800000006', to: '10086', text: 'CXMYD' })).toBe('replied');
    clock.advance(10 * 60_000);
    expect(await send()).toBe('replied');
  });

  it('limits every inbound message per number, so help replies cannot be used to flood', async () => {
    const { outbox, channel } = setup();
    const outcomes = [];
    for (let i = 0; i < 15; i++) outcomes.push(await channel.handle({ from: '13800000001', to: '10086', text: 'hi' }));
    expect(outcomes.filter((o) => o === 'help')).toHaveLength(10);
    expect(outbox.list()).toHaveLength(11);
  });

  it('refuses a bad sender or an address that is not a short code', async () => {
    const { channel, outbox } = setup();
    await expect(channel.handle({ from: '12345', to: '10086', text: 'CXMYD' })).rejects.toMatchObject({
      code: 'INVALID_PHONE',
    });
    await expect(channel.handle({ from: '+85291234567', to: '10086', text: 'CXMYD' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_NUMBER',
    });
    await expect(channel.handle({ from: '13800000001', to: '95555', text: 'CXMYD' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await channel.handleInbound({ from: '12345', to: '10086', text: 'CXMYD' })).toBe('ignored');
    expect(await channel.handle({ from: '13800000001', to: '1008611', text: 'CXMYD' })).toBe('replied');
    expect(outbox.list()[0]!.from).toBe('1008611');
  });

  it('reports SMS_SEND_FAILED when the reply cannot be sent', async () => {
    const clock = new ManualClock(0);
    const channel = new SmsChannel({
      itinerary: new FakeItinerary(),
      sender: {
        send: async () => {
          throw new Error('gateway down');
        },
      },
      clock,
      log: silent,
    });
    await expect(channel.handle({ from: '13800000001', to: '10086', text: 'CXMYD' })).rejects.toMatchObject({
      code: 'SMS_SEND_FAILED',
    });
  });
});
