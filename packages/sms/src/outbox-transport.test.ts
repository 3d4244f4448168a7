import { ManualClock } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { OutboxTransport } from './outbox-transport.ts';

describe('OutboxTransport', () => {
  it('stores messages newest last, filters by phone and stamps Beijing time', async () => {
    const clock = new ManualClock(Date.UTC(2022, 8, 8, 0, 47, 5));
    const outbox = new OutboxTransport({ clock, defaultFrom: '10690' });
    await outbox.send({ to: '13800000001', text: '验证码 123456' });
    await outbox.send({ to: '13800000002', text: 'x', from: '10086' });
    clock.advance(61_000);
    await outbox.send({ to: '13800000001', text: '行'.repeat(71) });
    clock.advance(3_600_000);
    expect(outbox.list('13800000001').map((e) => e.text)).toEqual(['验证码 123456', '行'.repeat(71)]);
    // Each message keeps the time it was sent, however late the outbox is read.
    expect(outbox.list()[1]).toMatchObject({ from: '10086', parts: 1, sentAt: '2022-09-08T08:47:05+08:00' });
    expect(outbox.list()[2]).toMatchObject({ parts: 2, sentAt: '2022-09-08T08:48:06+08:00' });
    expect(outbox.list()[0]!.from).toBe('10690');
  });

  it('drops the oldest messages beyond its limit and records a receipt per message', async () => {
    const outbox = new OutboxTransport({ limit: 2 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await outbox.send({ to: '13800000001', text: `m${i}` })).id);
    expect(outbox.list().map((e) => e.text)).toEqual(['m1', 'm2']);
    expect(outbox.receipts.get(ids[2]!)?.status).toBe('DELIVRD');
  });

  it('hands a simulated handset message to every inbound handler', async () => {
    const outbox = new OutboxTransport();
    const got: string[] = [];
    outbox.onInbound(async (m) => {
      got.push(`${m.from}>${m.to}:${m.text}`);
    });
    await outbox.receive({ from: '13800000001', to: '10086', text: 'CXMYD' });
    expect(got).toEqual(['13800000001>10086:CXMYD']);
  });

  it('refuses to send once closed', async () => {
    const outbox = new OutboxTransport();
    await outbox.close();
    await expect(outbox.send({ to: '13800000001', text: 'x' })).rejects.toThrow();
  });
});
