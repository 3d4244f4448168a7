// The SMPP transport against the in-repo SMSC simulator: the fast checks of
// the window, keep-alive, throttling, dropped links and give-up paths.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type InboundSms, SmppTransport, type SmppTransportOptions } from '../src/index.ts';
import { SmscSimulator } from '../src/testing/index.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function setup(sim: ConstructorParameters<typeof Object>[0] = {}, opts: Partial<SmppTransportOptions> = {}) {
  const smsc = await SmscSimulator.start({ systemId: 'esme', password: 'pw', ...(sim as object) });
  open.push(smsc);
  const t = new SmppTransport({
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'esme',
    password: 'pw',
    defaultFrom: '10086',
    reconnectInitialMs: 20,
    throttleInitialMs: 10,
    ...opts,
  });
  open.push(t);
  await t.start();
  return { smsc, t };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('SmppTransport with the SMSC simulator', () => {
  it('sends short and long messages and the SMSC reassembles them', async () => {
    const { smsc, t } = await setup();
    await t.send({ to: '13800000001', text: '【通信行程卡】您的验证码为123456，5分钟内有效。' });
    const long = '您于前7天内到达或途经：'.repeat(15);
    const r = await t.send({ to: '13800000002', text: long });
    const m = await smsc.waitForMessage((x) => x.to === '13800000002');
    expect(m).toMatchObject({ from: '10086', text: long, dataCoding: 8, parts: 3, ids: r.partIds });
    await expect.poll(() => t.receipts.size, { timeout: 5000 }).toBe(4);
  });

  it('keeps no more than `window` submit_sm unacknowledged', async () => {
    const { smsc, t } = await setup({ ackDelayMs: 20 }, { window: 3 });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.send({ to: `1380000${String(i).padStart(4, '0')}`, text: 'x' })),
    );
    expect(smsc.counters.submitSm).toBe(12);
    expect(t.stats().maxInFlight).toBe(3);
  });

  it('delivers inbound messages, long ones reassembled', async () => {
    const { smsc, t } = await setup();
    const got: InboundSms[] = [];
    t.onInbound(async (m) => {
      got.push(m);
    });
    await smsc.deliver('13800000003', '10010', 'cxmyd ');
    await smsc.deliver('13800000003', '10010', '行'.repeat(100));
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
    expect(got[0]).toEqual({ from: '13800000003', to: '10010', text: 'cxmyd ' });
    expect(got[1]!.text).toBe('行'.repeat(100));
  });

  it('sends enquire_link to keep the session alive', async () => {
    const { smsc } = await setup({}, { enquireLinkMs: 30 });
    await expect.poll(() => smsc.counters.enquireLinks, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
  });

  it('backs off under a rate-limiting SMSC and still delivers everything', async () => {
    const { smsc, t } = await setup({ maxPerSecond: 20 }, { window: 10, maxAttempts: 30 });
    await Promise.all(Array.from({ length: 30 }, () => t.send({ to: '13800000004', text: 'burst' })));
    expect(smsc.counters.submitSm).toBe(30);
    expect(t.stats().throttled).toBeGreaterThan(0);
  });

  it('gives up with SMS_SEND_FAILED when throttling never ends', async () => {
    const { smsc, t } = await setup({}, { maxAttempts: 3 });
    smsc.throttleNext(100);
    await expect(t.send({ to: '13800000005', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    expect(smsc.counters.throttled).toBe(3);
  });

  it('re-sends what was in flight when the link drops, after reconnecting', async () => {
    const { smsc, t } = await setup({ ackDelayMs: 50 });
    const sending = Promise.all([1, 2, 3].map((i) => t.send({ to: `1380000000${i}`, text: `m${i}` })));
    await expect.poll(() => t.stats().inFlight, { timeout: 5000 }).toBeGreaterThan(0);
    smsc.dropConnections();
    await sending;
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
    for (const i of [1, 2, 3]) await smsc.waitForMessage((m) => m.to === `1380000000${i}`);
  });

  it('fails sends with SMS_SEND_FAILED when no SMSC answers, and after close', async () => {
    const t = new SmppTransport({
      host: '127.0.0.1',
      port: await freePort(),
      systemId: 'x',
      password: 'y',
      reconnectInitialMs: 20,
      sendTimeoutMs: 200,
    });
    open.push(t);
    await expect(t.send({ to: '13800000006', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    await t.close();
    await expect(t.send({ to: '13800000006', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
  });

  it('drops and retries a connection whose bind is never answered', async () => {
    let connections = 0;
    const sockets = new Set<import('node:net').Socket>();
    const silentServer = createServer((sock) => {
      connections += 1;
      sockets.add(sock);
      sock.on('error', () => {});
      sock.resume(); // reads (and ignores) the bind, so the client's close is seen
    });
    await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', () => r()));
    open.push({
      close: () =>
        new Promise<void>((r) => {
          for (const sock of sockets) sock.destroy();
          silentServer.close(() => r());
        }),
    });
    const t = new SmppTransport({
      host: '127.0.0.1',
      port: (silentServer.address() as { port: number }).port,
      systemId: 'x',
      password: 'y',
      responseTimeoutMs: 50,
      reconnectInitialMs: 20,
    });
    open.push(t);
    void t.start().catch(() => {});
    await expect.poll(() => connections, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(t.isBound).toBe(false);
  });

  it('asks the SMSC to retry inbound messages while too many are being handled', async () => {
    const { smsc, t } = await setup({}, { maxInboundInFlight: 1 });
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const got: string[] = [];
    t.onInbound(async (m) => {
      await gate;
      got.push(m.text);
    });
    const first = smsc.deliver('13800000001', '10086', 'CXMYD');
    await expect(smsc.deliver('13800000002', '10086', 'CXMYD')).rejects.toThrow(/status 100/);
    release();
    await first;
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
    await smsc.deliver('13800000002', '10086', 'CXMYD');
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
  });

  it('starts a fresh session after a PDU it cannot parse', async () => {
    const { smsc, t } = await setup();
    smsc.sendCorruptPdu();
    await expect.poll(() => t.stats().reconnects, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await t.whenBound();
    const { id } = await t.send({ to: '13800000007', text: 'after a corrupt PDU' });
    expect((await smsc.waitForMessage((m) => m.to === '13800000007')).ids).toEqual([id]);
  });

  it('takes a late submit_sm_resp: no second submission, no failure, the link probed', async () => {
    const { smsc, t } = await setup({ ackDelayMs: 300 }, { responseTimeoutMs: 100, sendTimeoutMs: 3000 });
    const enquiries = smsc.counters.enquireLinks;
    await Promise.all([1, 2].map((i) => t.send({ to: `1380000002${i}`, text: 'slow' })));
    expect(smsc.counters.submitSm).toBe(2);
    expect(t.stats()).toMatchObject({ responseTimeouts: 2, lateResponses: 2, failed: 0, retried: 0 });
    expect(smsc.counters.enquireLinks).toBeGreaterThan(enquiries);
  });

  it('drops a link that answers neither submit_sm nor enquire_link, and sends on a new session', async () => {
    const { smsc, t } = await setup({}, { responseTimeoutMs: 100, sendTimeoutMs: 3000 });
    smsc.stall();
    const { id } = await t.send({ to: '13800000029', text: 'hung link' });
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(smsc.counters.binds).toBeGreaterThanOrEqual(2);
    expect((await smsc.waitForMessage((m) => m.to === '13800000029')).ids).toEqual([id]);
  });

  it('fails sends at once while binds are refused, and logs the refusal', async () => {
    const smsc = await SmscSimulator.start({ systemId: 'esme', password: 'pw' });
    open.push(smsc);
    smsc.refuseBinds(true);
    const logs: Array<[string, object, string | undefined]> = [];
    const t = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'esme',
      password: 'pw',
      reconnectInitialMs: 5000,
      sendTimeoutMs: 60_000,
      logger: recordingLogger(logs),
    });
    open.push(t);
    await expect(t.start()).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    await expect(t.send({ to: '13800000030', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    expect(t.stats()).toMatchObject({ linkDown: true, bindsRefused: 1, failedUnbound: 1 });
    expect(logs).toContainEqual(['error', { systemId: 'esme', status: '0x0000000d' }, 'smpp bind_transceiver refused']);
  }, 5000);

  it('re-binds soon after the SMSC is back when sends are waiting, however long the outage', async () => {
    const port = await freePort();
    const t = new SmppTransport({
      host: '127.0.0.1',
      port,
      systemId: 'esme',
      password: 'pw',
      reconnectInitialMs: 10,
      reconnectMaxMs: 60_000,
      reconnectBusyMaxMs: 50,
    });
    open.push(t);
    void t.start().catch(() => {});
    // Nothing listens: eight failed connects and the idle back-off has grown past 2.5 s.
    await expect.poll(() => t.stats().connectFailures, { timeout: 5000 }).toBeGreaterThanOrEqual(8);
    const smsc = await SmscSimulator.start({ port, systemId: 'esme', password: 'pw' });
    open.push(smsc);
    await expect(t.send({ to: '13800000031', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    await expect.poll(() => t.isBound, { timeout: 1500 }).toBe(true);
    await t.send({ to: '13800000031', text: 'after the outage' });
  }, 10_000);

  it('does not hurry the binds of a refused account: a wrong password could lock it', async () => {
    const smsc = await SmscSimulator.start({ systemId: 'esme', password: 'pw' });
    open.push(smsc);
    smsc.refuseBinds(true);
    const t = new SmppTransport({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'esme',
      password: 'pw',
      reconnectInitialMs: 2000,
      reconnectBusyMaxMs: 10,
    });
    open.push(t);
    await expect(t.start()).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    for (let i = 0; i < 20; i++) {
      await expect(t.send({ to: '13800000031', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(smsc.counters.bindsRefused).toBe(1);
  });

  it('sends every part of a started message through a long throttle', async () => {
    const { smsc, t } = await setup({}, { maxAttempts: 3, sendTimeoutMs: 300, throttleMaxMs: 40 });
    smsc.throttleFor(700, 1);
    const text = '行'.repeat(100);
    const r = await t.send({ to: '13800000032', text });
    expect(r.partIds).toHaveLength(2);
    expect((await smsc.waitForMessage((m) => m.to === '13800000032')).text).toBe(text);
    expect(smsc.counters.throttled).toBeGreaterThan(3);
  });

  it('fails a message none of which went out when throttling outlasts its attempts', async () => {
    const { smsc, t } = await setup({}, { maxAttempts: 3, throttleMaxMs: 40 });
    smsc.throttleFor(10_000);
    await expect(t.send({ to: '13800000033', text: '行'.repeat(100) })).rejects.toMatchObject({
      code: 'SMS_SEND_FAILED',
    });
    expect(smsc.counters.submitSm).toBe(0);
  });

  it('acknowledges an MO only once handled, and asks for it again when handling failed', async () => {
    const { smsc, t } = await setup();
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    t.onInbound(async (m) => {
      calls += 1;
      if (m.text === 'fail') throw new Error('reply could not be queued');
      await gate;
    });
    let acked = false;
    const delivered = smsc.deliver('13800000034', '10086', 'CXMYD').then(() => {
      acked = true;
    });
    await expect.poll(() => calls).toBe(1);
    expect(acked).toBe(false);
    release();
    await delivered;
    await expect(smsc.deliver('13800000034', '10086', 'fail')).rejects.toThrow(/status 100/);
  });

  it('logs a rejected submit_sm with its status and a lost link, numbers masked', async () => {
    const logs: Array<[string, object, string | undefined]> = [];
    const { smsc, t } = await setup({}, { logger: recordingLogger(logs) });
    smsc.rejectNext(1, 0x0b);
    await expect(t.send({ to: '13800000040', text: 'x' })).rejects.toMatchObject({ code: 'SMS_SEND_FAILED' });
    expect(logs).toContainEqual(['warn', { status: '0x0000000b', to: '138****0040' }, 'smpp submit_sm rejected']);
    expect(t.stats().submitStatus).toEqual({ 11: 1 });
    smsc.dropConnections();
    await expect.poll(() => logs.some((l) => l[2] === 'smpp connection lost'), { timeout: 5000 }).toBe(true);
    await expect.poll(() => logs.filter((l) => l[2] === 'smpp bound').length, { timeout: 5000 }).toBe(2);
    expect(JSON.stringify(logs)).not.toContain('13800000040');
  });

  it('counts delivery receipts by state and logs the undelivered ones, numbers masked', async () => {
    const logs: Array<[string, object, string | undefined]> = [];
    const { smsc, t } = await setup({}, { logger: recordingLogger(logs) });
    await t.send({ to: '13800000035', text: 'ok' });
    smsc.setReceiptStatus('UNDELIV');
    const { id } = await t.send({ to: '13800000036', text: 'phone off' });
    await expect.poll(() => t.stats().receiptStatus, { timeout: 5000 }).toEqual({ DELIVRD: 1, UNDELIV: 1 });
    expect(logs).toContainEqual([
      'warn',
      { to: '138****0036', messageId: id, status: 'UNDELIV', error: '001' },
      'sms not delivered',
    ]);
    expect(JSON.stringify(logs)).not.toContain('13800000036');
  });

  it('addresses short codes as TON 3 / NPI 0 and handsets as TON 1 / NPI 1 with 86, both ways', async () => {
    const { smsc, t } = await setup();
    t.onInbound(async (m) => {
      await t.send({ to: m.from, from: m.to, text: `re: ${m.text}` });
    });
    await smsc.deliver('8613800000037', '10010', 'CXMYD', 1);
    await smsc.waitForMessage((m) => m.to === '13800000037');
    expect(smsc.pdus.find((p) => p.command === 'submit_sm')).toMatchObject({
      sourceTon: 3,
      sourceNpi: 0,
      source: '10010',
      destTon: 1,
      destNpi: 1,
      dest: '8613800000037',
    });
  });

  it('takes TON/NPI and the country code from its options', async () => {
    const { smsc, t } = await setup({}, { sourceTon: 0, sourceNpi: 1, destTon: 0, destNpi: 1 });
    await t.send({ to: '13800000038', text: 'national' });
    expect(smsc.pdus.at(-1)).toMatchObject({ sourceTon: 0, sourceNpi: 1, destTon: 0, destNpi: 1, dest: '13800000038' });
  });

  it('paces submit_sm to SMPP_TPS so a rate-capped SMSC never throttles', async () => {
    // More than the SMSC takes in one second: unpaced, the window's bursts are throttled.
    const { smsc, t } = await setup({ maxPerSecond: 50 }, { window: 10, tps: 45 });
    await Promise.all(Array.from({ length: 70 }, () => t.send({ to: '13800000039', text: 'paced' })));
    expect(smsc.counters.submitSm).toBe(70);
    expect(t.stats().throttled).toBe(0);
  });
});

function recordingLogger(logs: Array<[string, object, string | undefined]>) {
  return {
    debug: (o: object, m?: string) => logs.push(['debug', o, m]),
    info: (o: object, m?: string) => logs.push(['info', o, m]),
    warn: (o: object, m?: string) => logs.push(['warn', o, m]),
    error: (o: object, m?: string) => logs.push(['error', o, m]),
  };
}
