// Logs never carry a full phone number, an ID number or a code (STYLE.md).
import { Writable } from 'node:stream';
import { ManualClock } from '@itinerary-card/domain';
import { MemoryKeyValue, openPgliteSql } from '@itinerary-card/store';
import { describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { fakePartner } from './fake-partner.ts';
import { checkItinerary, idNumber, T0, TestOutbox, testConfig } from './helpers.ts';

describe('logs', () => {
  it('mask numbers and leave out ID numbers and codes', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const clock = new ManualClock(T0);
    const sql = await openPgliteSql();
    const kv = new MemoryKeyValue(() => clock.now());
    const sms = new TestOutbox();
    const partner = fakePartner(Date.parse('2022-09-08T00:00:00+08:00'));
    partner.answers.set('13800000031', { cities: [['360100', '江西省', '南昌市']], countries: [] });
    const app = await buildHealthCode({
      sql,
      kv,
      clock,
      sms,
      partner,
      config: testConfig(),
      logger: { level: 'info', stream },
      timers: false,
    });
    try {
      const phone = '13800000031';
      const id = idNumber('360102', '1990-01-01', '555');
      await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } });
      const code = sms.lastCode(phone);
      const login = await app.inject({ method: 'POST', url: '/api/hc/v1/login', payload: { phone, code } });
      const h = { authorization: `Bearer ${login.json().token}` };
      const chk = await checkItinerary(app, partner, h, 'register');
      await app.inject({
        method: 'POST',
        url: '/api/hc/v1/registrations',
        headers: h,
        payload: {
          name: '王五',
          idNumber: id,
          address: '南昌市',
          epidemicSojourn: false,
          symptoms: false,
          closeContact: false,
          itineraryCheckId: chk.json().checkId,
        },
      });
      const token = (await app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token as string;
      await app.inject({ method: 'GET', url: `/dev/outbox?phone=${phone}` });
      await app.inject({
        method: 'POST',
        url: '/api/hc/v1/registrations',
        headers: h,
        payload: { name: '王五', idNumber: '360102199001015550', address: 'x' },
      });
      const all = lines.join('');
      expect(all).toContain('138****0031');
      expect(all).not.toContain(phone);
      expect(all).not.toContain(id);
      expect(all).not.toContain(code);
      expect(all).not.toContain(token.split('.')[2]);
    } finally {
      await app.close();
      await kv.close();
      await sql.close();
    }
  });

  it('check-ins write no line per request; a failed one is still logged', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const clock = new ManualClock(T0);
    const sql = await openPgliteSql();
    const kv = new MemoryKeyValue(() => clock.now());
    const app = await buildHealthCode({
      sql,
      kv,
      clock,
      sms: new TestOutbox(),
      partner: fakePartner(T0),
      config: testConfig(),
      logger: { level: 'info', stream },
      timers: false,
    });
    try {
      const hc = app.healthCode;
      const venue = await hc.venues.register('13800000000', { kind: 'unit', name: '便利店', address: '南昌市' });
      await sql.query(
        `INSERT INTO hc_people (id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact,
           colour, created_at, updated_at) VALUES ('P1', '13900000001', '王小明', 'X1', '南昌市', false, false, false,
           'green', now(), now())`,
      );
      const { token } = await hc.auth.openSession({ phone: '13900000001', personId: 'P1', maskedName: '**明' });
      const headers = { authorization: `Bearer ${token}` };
      lines.length = 0;
      const ok = await app.inject({
        method: 'POST',
        url: '/api/hc/v1/checkins',
        headers,
        payload: { code: venue.checkinUrl },
      });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(lines).toEqual([]);
      // Other routes keep their request lines.
      expect((await app.inject({ url: '/api/hc/v1/venues', headers })).statusCode).toBe(200);
      expect(lines.join('')).toContain('request completed');
      lines.length = 0;
      // An unexpected failure of a check-in is logged (the database gone).
      await sql.close();
      const failed = await app.inject({
        method: 'POST',
        url: '/api/hc/v1/checkins',
        headers,
        payload: { code: venue.checkinUrl },
      });
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      expect(lines.join('')).toMatch(/"level":(40|50)/);
    } finally {
      await app.close().catch(() => {});
      await kv.close();
      await sql.close().catch(() => {});
    }
  });
});
