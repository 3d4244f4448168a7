// The SMS channel end to end: the real platform (ItineraryService over operator
// nodes on sockets) replying through SmppTransport to the in-repo SMSC
// simulator and to the independent Net::SMPP peer.
import { ManualClock } from '@itinerary-card/domain';
import { type SmscSimulator as Sim, SmppTransport, SmscSimulator, ucs2Encode } from '@itinerary-card/sms';
import { MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PerlSmsc } from '../../../packages/sms/test/perl-smsc.ts';
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
  });
  const app = await buildPlatform({
    sql,
    kv,
    sms: transport,
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
  await transport.start();
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
    await smsc.deliver('8613800000004', '10010', 'ｃｘｍｙｄ');
    const m = await smsc.waitForMessage((x) => x.to === '13800000004');
    expect(m.from).toBe('10010');
    expect(m.text).toContain('广东省深圳市');
    expect(m.text).toMatch(/中国香港|香港/);
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
      perl.command(`DELIVER 13800000006 10000 8 ${ucs2Encode('CXMYD').toString('hex')}`);
      const sub = await perl.waitFor((e) => e.event === 'submit_sm' && e.dest === '13800000006');
      expect(sub).toMatchObject({ source: '10000', data_coding: 8 });
      const hex = Buffer.from(String(sub.hex), 'hex');
      const parts = [hex];
      // A long reply arrives as several submit_sm; the first part carries a UDH.
      if (Number(sub.esm_class) & 0x40) {
        const total = hex[4]!;
        for (let seq = 2; seq <= total; seq++) {
          const next = await perl.waitFor(
            (e) => e.event === 'submit_sm' && e.dest === '13800000006' && Buffer.from(String(e.hex), 'hex')[5] === seq,
          );
          parts.push(Buffer.from(String(next.hex), 'hex'));
        }
      }
      const { decodeSms } = await import('@itinerary-card/sms');
      const text = parts.map((p) => decodeSms(8, Number(sub.esm_class), p).text).join('');
      expect(text).toContain('【通信行程卡】138****0006');
      expect(text).toContain('江西省南昌市');
    } finally {
      await other.close();
      await perl.stop();
    }
  });
});
