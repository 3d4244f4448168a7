import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { smsDelivery } from './sms-delivery.ts';

describe('smsDelivery', () => {
  it('gives the share of final receipts that were delivered, interim states left out', async () => {
    const registry = new Registry();
    const receipts = new Counter({
      name: 'sms_delivery_receipts_total',
      help: 'receipts by state',
      labelNames: ['status'],
      registers: [registry],
    });
    expect(await smsDelivery(registry)).toEqual({ receipts: {}, final: 0, delivered: 0, rate: null });
    const counts = { DELIVRD: 18, UNDELIV: 1, EXPIRED: 1, ENROUTE: 5 };
    for (const [status, n] of Object.entries(counts)) receipts.inc({ status }, n);
    expect(await smsDelivery(registry)).toEqual({ receipts: counts, final: 20, delivered: 18, rate: 0.9 });
  });
});
