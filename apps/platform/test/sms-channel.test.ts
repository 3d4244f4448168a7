// The SMS channel end to end: the real platform (ItineraryService over operator
// nodes on sockets) replying through SmppTransport to the in-repo SMSC
// simulator and to the independent Net::SMPP peer.
import { ManualClock } from '@itinerary-card/domain';
import { SmppTransport, ucs2Encode } from '@itinerary-card/sms';
import { decodeSms, PerlSmsc, type SmscSimulator as Sim, SmscSimulator } from '@itinerary-card/sms/testing';
import { MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../src/index.ts';
import { at, cmccSnapshots, ctccSnapshot, SERVICE_SECRET, startNode, type TestNode } from './fixtures.ts';

interface Rig {
  app: FastifyInstance;
  transport: SmppTransport;
  close(): Promise<void>;
}

async function startRig(sql: Sql, nodes: TestNode[], port: number, systemId: string, password: string): Promise<Rig> {
  const clock = new ManualClock(at('2022-09-08', 9));
  const kv = new MemoryKeyValue(() => clock.now());
  const transport = new SmppTransport({
    host: '127.0.0.1',
    port,
    systemId,
    password,
    defaultFrom: '106900',
    reconnectInitialMs: 50,
    reconnectBusyMaxMs: 50,
  });
  const app = await buildPlatform({
    sql,
    kv,
    sms: transport,
    smsStatus: { receipts: transport.receipts, link: transport },
    clock,
    docs: false,
    nodes: Object.fromEntries(nodes.map((n) => [n.operator, { url: n.url, nodeId: `${n.operator}-1` }])),
    options: {
      secretKey: 'test-secret-key-0123456789',
      serviceSecret: SERVICE_SECRET,
      cacheTtlMs: 0,
      smsInboundOpen: true,
    },
  });
  await transport.start().catch(() => {});
  return {
    app,
    transport,
    close: async () => {
      await app.close();
      await transport.close();
      await kv.close();
    },
  };
}

describe('SMS channel on the platform', () => {
  let nodes: TestNode[];
  let smsc: Sim;
  let rig: Rig;
  let sql: Sql;

  beforeAll(async () => {
    const clock = new ManualClock(at('2022-09-08', 9));
    nodes = [await startNode('cmcc', clock, cmccSnapshots()), await startNode('ctcc', clock, [ctccSnapshot()])];
    smsc = await SmscSimulator.start({ systemId: 'platform', password: 'pw' });
    sql = await openPgliteSql();
    rig = await startRig(sql, nodes, smsc.port, 'platform', 'pw');
    // 13800000007 (a China Mobile segment) was ported to China Telecom.
    await rig.app.platform.registry.load(
      [{ msisdn: '13800000007', operator: 'ctcc', portedAt: '2022-09-07', kind: 'normal' }],
      sql,
    );
  });

  afterAll(async () => {
    await rig?.close();
    await smsc?.close();
    await sql?.close();
    for (const n of nodes ?? []) await n.app.close();
  });

  const inbound = (from: string, to: string, text: string) =>
    rig.app.inject({ method: 'POST', url: '/api/v1/sms/inbound', payload: { from, to, text } });

  it('answers POST /api/v1/sms/inbound with the itinerary by SMS, like the web answer', async () => {
    const r = await inbound('13800000001', '10086', 'CXMYD');
    expect(r.statusCode).toBe(202);
    const m = await smsc.waitForMessage((x) => x.to === '13800000001');
    expect(m).toMatchObject({ from: '10086', dataCoding: 8 });
    expect(m.text).toBe(
      '【通信行程卡】138****0001，更新时间：2022.09.08 08:05:00。您于前7天内到达或途经：北京市，江西省南昌市，日本。',
    );
  });

  it('sends the new-number and no-data messages, and the MVNO caveat', async () => {
    await inbound('13800000002', '10086', 'cxmyd');
    await inbound('13800000003', '10086', 'ＣＸＭＹＤ');
    await inbound('17000000005', '10086', 'CXMYD ');
    expect((await smsc.waitForMessage((x) => x.to === '13800000002')).text).toContain(
      '经核验，您所使用的手机号码开户时间未满7天',
    );
    const noData = await smsc.waitForMessage((x) => x.to === '13800000003');
    expect(noData.text).toContain('未查询到您的行程数据');
    expect(noData.parts).toBeGreaterThan(1);
    expect((await smsc.waitForMessage((x) => x.to === '17000000005')).text).toContain('虚拟运营商手机号查询不完全支持');
  });

  it('answers a CXMYD that arrives as SMPP deliver_sm, from the short code texted', async () => {
    await smsc.deliver('8613800000004', '1008611', 'ｃｘｍｙｄ');
    const m = await smsc.waitForMessage((x) => x.to === '13800000004');
    expect(m.from).toBe('1008611');
    expect(m.text).toContain('广东省深圳市');
    expect(m.text).toMatch(/中国香港|香港/);
    expect(smsc.pdus.filter((p) => p.dest === '8613800000004')[0]).toMatchObject({
      source: '1008611',
      sourceTon: 3,
      sourceNpi: 0,
      destTon: 1,
      destNpi: 1,
    });
  });

  it("answers a ported number on its new operator's code, and names that code on the old one", async () => {
    await smsc.deliver('8613800000007', '10086', 'CXMYD');
    const wrong = await smsc.waitForMessage((x) => x.to === '13800000007');
    expect(wrong).toMatchObject({
      from: '10086',
      text: '【通信行程卡】您的号码属于中国电信，请发送短信CXMYD到所属运营商中国电信10000进行查询。',
    });
    await smsc.deliver('8613800000007', '10000', 'CXMYD');
    const right = await smsc.waitForMessage((x) => x.to === '13800000007' && x !== wrong);
    expect(right.from).toBe('10000');
    expect(right.text).toContain('江西省南昌市');
  });

  it('exports delivery receipts and the SMPP link to /metrics, and is ready only while bound', async () => {
    await expect
      .poll(async () => (await rig.app.inject({ url: '/metrics' })).body, { timeout: 5000 })
      .toMatch(/sms_delivery_receipts_total\{status="DELIVRD",app="platform"\} [1-9]/);
    const metrics = (await rig.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/smpp_bound\{app="platform"\} 1/);
    expect(metrics).toMatch(/smpp_submit_sm_resp_total\{status="0x00000000",app="platform"\} [1-9]/);
    const ready = await rig.app.inject({ url: '/readyz' });
    expect(ready.json()).toMatchObject({ ready: true, checks: { smpp: 'ok' } });

    const refusing = await SmscSimulator.start({ systemId: 'other', password: 'pw' });
    refusing.refuseBinds(true);
    const other = await startRig(sql, nodes, refusing.port, 'other', 'pw');
    try {
      await expect.poll(() => other.transport.isLinkDown, { timeout: 5000 }).toBe(true);
      const down = await other.app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ ready: false, checks: { smpp: 'link down' } });
      expect((await other.app.inject({ url: '/metrics' })).body).toMatch(
        /smpp_binds_refused_total\{app="platform"\} [1-9]/,
      );
      // Codes fail at once (503) rather than after the send deadline.
      const code = await other.app.inject({
        method: 'POST',
        url: '/api/v1/sms-code',
        payload: { phone: '13800000098' },
      });
      expect(code.statusCode).toBe(503);
      refusing.refuseBinds(false);
      await expect
        .poll(async () => (await other.app.inject({ url: '/readyz' })).statusCode, { timeout: 5000 })
        .toBe(200);
    } finally {
      await other.close();
      await refusing.close();
    }
  });

  it('delivers login codes through the same transport', async () => {
    const r = await rig.app.inject({ method: 'POST', url: '/api/v1/sms-code', payload: { phone: '13800000099' } });
    expect(r.statusCode).toBe(200);
    const m = await smsc.waitForMessage((x) => x.to === '13800000099');
    expect(m.text).toMatch(/\d{6}/);
  });

  it('works against the independent Net::SMPP peer', async () => {
    const perl = await PerlSmsc.start('platform-perl', 'pw2');
    const other = await startRig(sql, nodes, perl.port, 'platform-perl', 'pw2');
    try {
      perl.command(`DELIVER 13800000006 10086 8 ${ucs2Encode('CXMYD').toString('hex')}`);
      const sub = await perl.waitFor((e) => e.event === 'submit_sm' && e.dest === '8613800000006');
      expect(sub).toMatchObject({ source: '10086', source_ton: 3, dest_ton: 1, data_coding: 8 });
      const hex = Buffer.from(String(sub.hex), 'hex');
      const parts = [hex];
      // A long reply arrives as several submit_sm; the first part carries a UDH.
      if (Number(sub.esm_class) & 0x40) {
        const total = hex[4]!;
        for (let seq = 2; seq <= total; seq++) {
          const next = await perl.waitFor(
            (e) =>
              e.event === 'submit_sm' && e.dest === '8613800000006' && Buffer.from(String(e.hex), 'hex')[5] === seq,
          );
          parts.push(Buffer.from(String(next.hex), 'hex'));
        }
      }
      const text = parts.map((p) => decodeSms(8, Number(sub.esm_class), p).text).join('');
      expect(text).toContain('【通信行程卡】138****0006');
      expect(text).toContain('江西省南昌市');
    } finally {
      await other.close();
      await perl.stop();
    }
  });
});
