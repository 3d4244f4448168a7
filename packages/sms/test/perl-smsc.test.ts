// The SMPP transport against an SMSC this project did not write (Net::SMPP).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryReceipt, type InboundSms, SmppTransport, ucs2Encode } from '../src/index.ts';
import { decodeSms, PerlSmsc } from '../src/testing/index.ts';

describe('SmppTransport against the Net::SMPP peer', () => {
  let smsc: PerlSmsc;
  let t: SmppTransport;
  const inbound: InboundSms[] = [];
  const receipts: DeliveryReceipt[] = [];

  beforeAll(async () => {
    smsc = await PerlSmsc.start();
    t = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'itinerary',
      password: 'secret',
      defaultFrom: '10086',
      reconnectInitialMs: 50,
      throttleInitialMs: 20,
      onReceipt: (r) => receipts.push(r),
    });
    t.onInbound(async (m) => {
      inbound.push(m);
    });
    await t.start();
  });

  afterAll(async () => {
    await t?.close();
    await smsc?.stop();
  });

  it('binds as a transceiver and submits a plain-text code SMS', async () => {
    expect((await smsc.waitFor((e) => e.event === 'bind')).ok).toBe(true);
    const { id } = await t.send({ to: '13800000001', text: 'Code 123456', validityMs: 5 * 60_000 });
    const ev = await smsc.waitFor((e) => e.event === 'submit_sm' && e.id === id);
    // Carrier-typical addressing: the short code as TON 3 / NPI 0, the handset as TON 1 / NPI 1 with 86;
    // a code that lives 5 minutes is not delivered later than that.
    expect(ev).toMatchObject({
      dest: '8613800000001',
      dest_ton: 1,
      dest_npi: 1,
      source: '10086',
      source_ton: 3,
      source_npi: 0,
      validity: '000000000500000R',
      data_coding: 0,
      esm_class: 0,
      registered_delivery: 1,
    });
    expect(Buffer.from(String(ev.hex), 'hex').toString('latin1')).toBe('Code 123456');
  });

  it('records the delivery receipt the SMSC sends back', async () => {
    const { id } = await t.send({ to: '13800000009', text: 'receipt please' });
    await smsc.waitFor((e) => e.event === 'receipt_sent' && e.id === id);
    await expect.poll(() => t.receipts.get(id)?.status, { timeout: 5000 }).toBe('DELIVRD');
    expect(receipts.find((r) => r.messageId === id)).toMatchObject({
      status: 'DELIVRD',
      to: '13800000009',
      error: '000',
    });
  });

  it('sends Chinese as UCS-2 and splits a long reply into concatenated parts', async () => {
    const text = `【通信行程卡】${'江西省南昌市，北京市，'.repeat(12)}结束`;
    const r = await t.send({ to: '13800000002', text, from: '10010' });
    expect(r.partIds?.length).toBe(Math.ceil(text.length / 67));
    const parts = [];
    for (const id of r.partIds ?? []) parts.push(await smsc.waitFor((e) => e.event === 'submit_sm' && e.id === id));
    const decoded = parts.map((p) => {
      expect(p).toMatchObject({ data_coding: 8, esm_class: 0x40, source: '10010' });
      return decodeSms(8, 0x40, Buffer.from(String(p.hex), 'hex'));
    });
    expect(decoded.map((d) => d.concat?.seq)).toEqual(decoded.map((_, i) => i + 1));
    expect(new Set(decoded.map((d) => d.concat?.ref)).size).toBe(1);
    for (const d of decoded) expect(d.text.length).toBeLessThanOrEqual(67);
    expect(decoded.map((d) => d.text).join('')).toBe(text);
  });

  it('receives a full-width CXMYD sent as UCS-2 deliver_sm from an international number', async () => {
    smsc.command(`DELIVER 8613800000003 10086 8 ${ucs2Encode('ＣＸＭＹＤ').toString('hex')}`);
    await expect
      .poll(() => inbound.find((m) => m.from === '13800000003'))
      .toEqual({
        from: '13800000003',
        to: '10086',
        text: 'ＣＸＭＹＤ',
      });
    await smsc.waitFor((e) => e.event === 'deliver_sm_resp' && e.status === 0);
  });

  it('reassembles a concatenated inbound message', async () => {
    const head = (seq: number) => Buffer.from([5, 0, 3, 0x42, 2, seq]);
    const p1 = Buffer.concat([head(1), ucs2Encode('查询我的')]).toString('hex');
    const p2 = Buffer.concat([head(2), ucs2Encode('行程')]).toString('hex');
    smsc.command(`DELIVER 13800000004 10000 8 ${p2} 64`);
    smsc.command(`DELIVER 13800000004 10000 8 ${p1} 64`);
    await expect
      .poll(() => inbound.find((m) => m.from === '13800000004')?.text, { timeout: 5000 })
      .toBe('查询我的行程');
  });

  it('backs off and retries when the SMSC throttles', async () => {
    smsc.command('THROTTLE 3');
    await smsc.waitFor((e) => e.event === 'ok' && e.command === 'THROTTLE');
    const before = t.stats().throttled;
    const { id } = await t.send({ to: '13800000005', text: 'after throttling' });
    expect(t.stats().throttled - before).toBe(3);
    expect(smsc.count('throttled')).toBe(3);
    await smsc.waitFor((e) => e.event === 'submit_sm' && e.id === id);
  });

  it('sends every part of a reply through a long throttle that began after its first part', async () => {
    const burst = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'itinerary',
      password: 'secret',
      defaultFrom: '10086',
      maxAttempts: 3,
      sendTimeoutMs: 300,
      throttleInitialMs: 20,
      throttleMaxMs: 40,
    });
    try {
      await burst.start();
      smsc.command('THROTTLE_FOR 700 1');
      await smsc.waitFor((e) => e.event === 'ok' && e.command === 'THROTTLE_FOR');
      const r = await burst.send({ to: '13800000013', text: '行'.repeat(100) });
      expect(r.partIds).toHaveLength(2);
      for (const id of r.partIds!) await smsc.waitFor((e) => e.event === 'submit_sm' && e.id === id);
      expect(smsc.events.filter((e) => e.event === 'throttled' && e.dest === '8613800000013').length).toBeGreaterThan(
        3,
      );
    } finally {
      await burst.close();
    }
  });

  it('reconnects and binds again after the connection is dropped', async () => {
    const binds = smsc.count('bind');
    smsc.command('DROP');
    await smsc.waitFor((e) => e.event === 'ok' && e.command === 'DROP');
    const { id } = await t.send({ to: '13800000006', text: 'after the drop' });
    await smsc.waitFor((e) => e.event === 'submit_sm' && e.id === id);
    expect(smsc.count('bind')).toBe(binds + 1);
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('is refused with wrong credentials and fails sends with SMS_SEND_FAILED', async () => {
    const bad = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'itinerary',
      password: 'wrong',
      reconnectInitialMs: 1000,
      sendTimeoutMs: 300,
    });
    // The expectation is attached at once: on a busy machine the send can fail
    // before the SMSC's log shows the refused bind, and a rejection nobody
    // handles yet fails the whole run.
    const sending = expect(bad.send({ to: '13800000007', text: 'never' })).rejects.toMatchObject({
      code: 'SMS_SEND_FAILED',
    });
    await smsc.waitFor((e) => e.event === 'bind' && e.ok === false);
    await sending;
    await bad.close();
  });

  it('takes a late submit_sm_resp instead of submitting again (one message on the phone)', async () => {
    smsc.command('DELAY 400');
    await smsc.waitFor((e) => e.event === 'ok' && e.command === 'DELAY');
    const slow = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'itinerary',
      password: 'secret',
      defaultFrom: '10086',
      responseTimeoutMs: 150,
      sendTimeoutMs: 3000,
    });
    try {
      await slow.start();
      const { id } = await slow.send({ to: '13800000010', text: 'slow ack' });
      await smsc.waitFor((e) => e.event === 'submit_sm_resp' && e.id === id);
      expect(smsc.events.filter((e) => e.event === 'submit_sm' && e.dest === '8613800000010')).toHaveLength(1);
      expect(slow.stats()).toMatchObject({ responseTimeouts: 1, lateResponses: 1, failed: 0 });
    } finally {
      smsc.command('DELAY 0');
      await slow.close();
    }
  });

  it('counts an undelivered receipt by its state', async () => {
    smsc.command('RECEIPT UNDELIV');
    await smsc.waitFor((e) => e.event === 'ok' && e.command === 'RECEIPT');
    try {
      const { id } = await t.send({ to: '13800000011', text: 'switched off' });
      await expect.poll(() => t.receipts.get(id)?.status, { timeout: 5000 }).toBe('UNDELIV');
      expect(t.stats().receiptStatus.UNDELIV).toBe(1);
    } finally {
      smsc.command('RECEIPT DELIVRD');
    }
  });

  it('fails a send at once while the SMSC refuses the bind', async () => {
    smsc.command('REFUSE 1');
    await smsc.waitFor((e) => e.event === 'ok' && e.command === 'REFUSE');
    const refused = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'itinerary',
      password: 'secret',
      reconnectInitialMs: 5000,
      sendTimeoutMs: 60_000,
    });
    try {
      await expect(refused.start()).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
      // Without waiting out the 60 s send deadline (the test's own timeout is far shorter).
      await expect(refused.send({ to: '13800000012', text: 'never' })).rejects.toMatchObject({
        code: 'SMS_SEND_FAILED',
      });
      expect(refused.stats()).toMatchObject({ bindsRefused: 1, linkDown: true });
    } finally {
      smsc.command('REFUSE 0');
      await refused.close();
    }
  }, 5000);
});
