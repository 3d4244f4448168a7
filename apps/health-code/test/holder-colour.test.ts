// What a guard and a holder see, through the HTTP API: the check-in answer carries the
// holder's current colour and its reasons; a check at a check-in becomes the code's
// evidence; a skipped itinerary check shows on the code and to staff (行程未核验); the
// stored itinerary keeps 疫区旅居史 locked on the edit form; the ID number is checked
// before the whole form.
import { openPgliteSql, type Sql, storageUnavailable } from '@itinerary-card/store';
import { describe, expect, it } from 'vitest';
import { type FakePartner, fakePartner } from './fake-partner.ts';
import { ADMIN, checkItinerary, idNumber, login, makeApp, registerHolder, type TestApp } from './helpers.ts';

const WINDOW_END = Date.parse('2022-09-08T00:00:00+08:00');
const NANCHANG: [string, string, string] = ['360100', '江西省', '南昌市'];
const WUHAN: [string, string, string] = ['420100', '湖北省', '武汉市'];
const admin = { authorization: `Bearer ${ADMIN}` };

let partner: FakePartner;

async function setup(sql?: Sql): Promise<TestApp> {
  partner = fakePartner(WINDOW_END);
  partner.answers.set('13800000001', { cities: [NANCHANG], countries: [] });
  partner.answers.set('13900000002', { cities: [NANCHANG, WUHAN], countries: [] });
  partner.answers.set('13600000003', { cities: [NANCHANG], countries: [] });
  partner.answers.set('13500000005', { cities: [NANCHANG, WUHAN], countries: [] });
  const t = await makeApp(partner, sql ? { sql } : {});
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/admin/epidemic-areas',
    headers: admin,
    payload: { scope: 'province', code: '420000', from: '2022-08-01' },
  });
  expect(r.statusCode, r.body).toBe(201);
  return t;
}

async function check(t: TestApp, h: { authorization: string }, purpose: 'register' | 'edit' | 'checkin') {
  // The itinerary module's two steps: the platform texts a code, the check carries it (the owner's proof).
  const r = await checkItinerary(t.app, partner, h, purpose);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

async function venueUrl(t: TestApp, h: { authorization: string }): Promise<string> {
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/venues',
    headers: h,
    payload: { kind: 'checkpoint', name: '红谷滩区丰和卡口', address: '南昌市红谷滩区丰和中大道' },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().checkinUrl;
}

const tokenArray = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('the check-in answer', () => {
  it('carries the current colour (green, yellow, red) with its reasons', async () => {
    const t = await setup();
    try {
      const hg = await login(t, '13800000001');
      const green = await registerHolder(
        t,
        '13800000001',
        '111',
        { itineraryCheckId: (await check(t, hg, 'register')).checkId },
        hg,
      );
      const url = await venueUrl(t, green.h);
      const punch = async (h: { authorization: string }) => {
        const r = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/checkins',
          headers: h,
          payload: { code: url },
        });
        expect(r.statusCode, r.body).toBe(201);
        return r.json();
      };
      const g = await punch(green.h);
      expect(g.colour).toBe('green');
      expect(g.reasons[0].zh).toBe('未发现异常情况');
      expect(g.itineraryVerified).toBe(true);
      expect(g.venue.name).toBe('红谷滩区丰和卡口');

      const yellow = await registerHolder(t, '13600000003', '222', { symptoms: true });
      const y = await punch(yellow.h);
      expect(y.colour).toBe('yellow');
      expect(y.reasons.map((r: { zh: string }) => r.zh).join()).toContain('发热');

      const h = await login(t, '13900000002');
      const c = await check(t, h, 'register');
      expect(c.epidemicSojourn).toBe(true);
      const red = await registerHolder(t, '13900000002', '333', { itineraryCheckId: c.checkId }, h);
      expect(red.profile.colour).toBe('red');
      const r = await punch(red.h);
      expect(r.colour).toBe('red');
      expect(r.reasons[0].zh).toContain('湖北省武汉市');
      expect(r.itineraryVerified).toBe(true);

      // The colour is the one at the time of the check-in: after the office's red decision, red.
      const d = await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/admin/decisions',
        headers: admin,
        payload: { phone: '13800000001', colour: 'red', reason: '密切接触者' },
      });
      expect(d.statusCode, d.body).toBeLessThan(300);
      const after = await punch(green.h);
      expect(after.colour).toBe('red');
      expect(after.reasons[0].zh).toContain('密切接触者');
    } finally {
      await t.close();
    }
  });
});

describe('a skipped itinerary check (issue 22.9)', () => {
  it('shows on the code, in the signed token, to staff, and at the check-in; a check at the check-in decides', async () => {
    const t = await setup();
    try {
      // The epidemic-area visitor does not authorise the check and answers No.
      const { h, profile } = await registerHolder(t, '13500000005', '444');
      expect(profile.colour).toBe('green');
      expect(profile.itineraryVerified).toBe(false);
      const code = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json();
      expect(code.itineraryVerified).toBe(false);
      expect(tokenArray(code.token)[7]).toBe('u');
      const v = await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: code.token } });
      expect(v.json()).toMatchObject({ type: 'person', colour: 'green', itineraryVerified: false });

      const url = await venueUrl(t, h);
      const p = await t.app.inject({ method: 'POST', url: '/api/hc/v1/checkins', headers: h, payload: { code: url } });
      expect(p.json()).toMatchObject({ colour: 'green', itineraryVerified: false });

      // At the venue they authorise the check: it is the code's evidence now.
      const c = await check(t, h, 'checkin');
      expect(c.holder).toMatchObject({ colour: 'red', itineraryVerified: true });
      const after = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json();
      expect(after.colour).toBe('red');
      expect(tokenArray(after.token)[7]).toBe('v');
      expect(tokenArray(after.token)[4]).toBe('r');
      const audit = await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/audit', headers: admin });
      expect(JSON.stringify(audit.json())).toContain('person.itinerary');
    } finally {
      await t.close();
    }
  });
});

describe('the edit form', () => {
  it('keeps 疫区旅居史 locked by the stored itinerary, with the places, until a newer check clears it', async () => {
    const t = await setup();
    try {
      const h0 = await login(t, '13900000002');
      const c = await check(t, h0, 'register');
      const { h, profile } = await registerHolder(t, '13900000002', '555', { itineraryCheckId: c.checkId }, h0);
      expect(profile.sojournLock).toEqual({ hits: [{ areaName: '湖北省', place: '湖北省武汉市' }] });
      expect(profile.itinerary.cities.length).toBe(2);

      // Answering No without a new check changes nothing, and the profile says why.
      const edit = (over: Record<string, unknown>) =>
        t.app.inject({
          method: 'PUT',
          url: '/api/hc/v1/me',
          headers: h,
          payload: {
            name: '王小明',
            address: '南昌市红谷滩区丰和中大道1号',
            epidemicSojourn: false,
            symptoms: false,
            closeContact: false,
            ...over,
          },
        });
      const e1 = await edit({});
      expect(e1.json().colour).toBe('red');
      expect(e1.json().sojournLock.hits[0].place).toBe('湖北省武汉市');

      // Declaring Yes by hand and back to No is the holder's choice; the itinerary's Yes is not.
      expect((await edit({ epidemicSojourn: true })).json().colour).toBe('red');
      expect((await edit({})).json().sojournLock).not.toBeNull();

      // A newer authorised check without Hubei (the holder's itinerary moved on) unlocks it.
      partner.answers.set('13900000002', { cities: [NANCHANG], countries: [] });
      const fresh = await check(t, h, 'edit');
      expect(fresh.epidemicSojourn).toBe(false);
      const e2 = await edit({ itineraryCheckId: fresh.checkId });
      expect(e2.json().colour).toBe('green');
      expect(e2.json().sojournLock).toBeNull();
      expect(e2.json().itineraryVerified).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('the ID number, before the whole form', () => {
  it('is reported as registered (or invalid) at once, and the check is bounded per session', async () => {
    const t = await setup();
    try {
      const id = idNumber('360102', '1990-01-01', '666');
      await registerHolder(t, '13800000001', '666');
      const h = await login(t, '13600000003');
      const ask = (idNumber: string) =>
        t.app.inject({ method: 'POST', url: '/api/hc/v1/registrations/id-check', headers: h, payload: { idNumber } });
      const taken = await ask(id);
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe('ALREADY_REGISTERED');
      expect((await ask('360102199001011230')).json().error.code).toBe('ID_NUMBER_INVALID');
      const free = await ask(idNumber('360102', '1990-01-01', '777'));
      expect(free.statusCode, free.body).toBe(200);
      for (let i = 3; i < 10; i++) await ask(idNumber('360102', '1990-01-01', '777'));
      const limited = await ask(idNumber('360102', '1990-01-01', '777'));
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.retryAfterSeconds).toBeGreaterThan(0);
      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/registrations/id-check',
        payload: { idNumber: id },
      });
      expect(anonymous.statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('the check-in answer in a storage outage', () => {
  it('takes the check-in and says the colour is unknown (null), never an older one', async () => {
    const pglite = await openPgliteSql();
    // Reads of holders fail as in a PostgreSQL outage; the check-in path itself keeps working
    // (in production it spools).
    let down = false;
    const sql: Sql = {
      onEventLoop: true,
      query: (text, params, options) =>
        down && /FROM hc_people/.test(text)
          ? Promise.reject(storageUnavailable(new Error('connection error')))
          : pglite.query(text, params, options),
      exec: (text) => pglite.exec(text),
      transaction: (fn) => pglite.transaction(fn),
      close: () => pglite.close(),
    };
    const t = await setup(sql);
    try {
      const { h } = await registerHolder(t, '13800000001', '888', { symptoms: true });
      const url = await venueUrl(t, h);
      down = true;
      const r = await t.app.inject({ method: 'POST', url: '/api/hc/v1/checkins', headers: h, payload: { code: url } });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ colour: null, reasons: [], itineraryVerified: null });
      down = false;
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/checkins',
        headers: h,
        payload: { code: url },
      });
      expect(again.json().colour).toBe('yellow');
    } finally {
      await t.close();
      await pglite.close();
    }
  });
});
