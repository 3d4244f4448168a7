import { ManualClock } from '@itinerary-card/domain';
import { installErrorHandler } from '@itinerary-card/ops';
import { OutboxTransport } from '@itinerary-card/sms';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ItineraryQuery } from './sms-channel.ts';
import { smsChannelPlugin } from './sms-channel-plugin.ts';

const itinerary: ItineraryQuery = {
  async query(msisdn) {
    return {
      phone: `${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`,
      updatedAt: '2022-09-08T08:05:00+08:00',
      windowDays: 7,
      cities: [{ province: '北京市', city: '北京市', risk: false }],
      countries: [],
      notes: [],
    };
  },
};

async function build(inboundToken?: string) {
  const clock = new ManualClock(Date.UTC(2022, 8, 8, 2));
  const outbox = new OutboxTransport({ clock });
  const app = Fastify();
  installErrorHandler(app);
  await app.register(smsChannelPlugin, { itinerary, sender: outbox, inbound: outbox, clock, inboundToken });
  return { app, outbox };
}

describe('POST /api/v1/sms/inbound', () => {
  it('accepts a CXMYD and sends the itinerary back by SMS', async () => {
    const { app, outbox } = await build();
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/sms/inbound',
      payload: { from: '13800000001', to: '10086', text: 'CXMYD' },
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ accepted: true, outcome: 'replied' });
    expect(outbox.list('13800000001')[0]!.text).toContain('您于前7天内到达或途经：北京市。');
    await app.close();
  });

  it('answers bad input with stable error codes', async () => {
    const { app } = await build();
    const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/sms/inbound', payload });
    expect((await post({ from: '1380000', to: '10086', text: 'CXMYD' })).json().error.code).toBe('INVALID_PHONE');
    expect((await post({ from: '13800000001', to: '12345', text: 'CXMYD' })).json().error.code).toBe('BAD_REQUEST');
    const missing = await post({ from: '13800000001', text: 'CXMYD' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('BAD_REQUEST');
    await app.close();
  });

  it('requires the gateway token when one is configured', async () => {
    const { app, outbox } = await build('gateway-token');
    const payload = { from: '13800000001', to: '10086', text: 'CXMYD' };
    const denied = await app.inject({ method: 'POST', url: '/api/v1/sms/inbound', payload });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/sms/inbound',
      payload,
      headers: { authorization: 'Bearer gateway-token' },
    });
    expect(ok.statusCode).toBe(202);
    expect(outbox.list()).toHaveLength(1);
    await app.close();
  });

  it('also answers messages arriving through the transport', async () => {
    const { app, outbox } = await build();
    await outbox.receive({ from: '13800000004', to: '10010', text: 'ｃｘｍｙｄ' });
    expect(outbox.list('13800000004')[0]).toMatchObject({ from: '10010' });
    await app.close();
  });
});
