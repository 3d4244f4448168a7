// The health-code flows through its HTTP API (fastify.inject) on PGlite, with a
// partner API double: registration and edits with the itinerary module, colours,
// the signed personal code, venues, scan and punch, retention, audit, key rotation.
// The same SQL on embedded PGlite and on a real PostgreSQL server.
import { createPublicKey, verify } from 'node:crypto';
import { DAY_MS } from '@itinerary-card/domain';
import { openPostgresSql, type Sql } from '@itinerary-card/store';
import { startPostgres, type TestServer } from '@itinerary-card/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePartner, fakePartner } from './fake-partner.ts';
import { ADMIN, checkItinerary, idNumber, login, makeApp, T0, type TestApp } from './helpers.ts';

const WINDOW_END = Date.parse('2022-09-08T00:00:00+08:00');
const NANCHANG: [string, string, string] = ['360100', '江西省', '南昌市'];
const WUHAN: [string, string, string] = ['420100', '湖北省', '武汉市'];
const admin = { authorization: `Bearer ${ADMIN}` };

for (const backend of ['pglite', 'postgres'] as const) {
  describe(backend, () => {
    let pg: TestServer | undefined;
    let sql: Sql | undefined;
    let t: TestApp;
    let partner: FakePartner;

    beforeAll(async () => {
      if (backend === 'postgres') {
        pg = await startPostgres();
        sql = await openPostgresSql(pg.url, 4);
      }
      partner = fakePartner(WINDOW_END);
      partner.answers.set('13800000001', { cities: [NANCHANG], countries: [] });
      partner.answers.set('13900000002', { cities: [NANCHANG, WUHAN], countries: [] });
      partner.answers.set('13700000004', 'NEW_SUBSCRIBER');
      t = await makeApp(partner, sql ? { sql } : {});
      for (const a of [
        { scope: 'province', code: '420000', from: '2022-08-01' },
        { scope: 'abroad', from: '2022-01-01' },
      ]) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/admin/epidemic-areas',
          headers: admin,
          payload: a,
        });
        expect(r.statusCode, r.body).toBe(201);
      }
    });
    afterAll(async () => {
      await t?.close();
      await sql?.close();
      // pg's Pool.end() resolves before its sockets close: let them close before the server stops.
      await new Promise((r) => setTimeout(r, 300));
      await pg?.stop();
    });

    function person(over: Record<string, unknown> = {}) {
      return {
        name: '王小明',
        idNumber: idNumber('360102', '1990-01-01', '123'),
        address: '南昌市红谷滩区丰和中大道1号',
        epidemicSojourn: false,
        symptoms: false,
        closeContact: false,
        ...over,
      };
    }

    function verifyWithJwks(token: string, jwks: { keys: Array<{ kid: string; x: string }> }): boolean {
      const [p, body, sig] = token.split('.');
      const kid = JSON.parse(Buffer.from(body!, 'base64url').toString())[1];
      const jwk = jwks.keys.find((k) => k.kid === kid);
      if (!jwk) return false;
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      return verify(null, Buffer.from(`${p}.${body}`), key, Buffer.from(sig!, 'base64url'));
    }

    describe('registration with the embedded itinerary module', () => {
      it('answers No for a clean itinerary, registers green, and issues a signed, short-lived code', async () => {
        const h = await login(t, '13800000001');
        // The login code's SMS is not delivered after the code expired (SMPP validity_period).
        expect(t.sms.list('13800000001').at(-1)).toMatchObject({ validityMs: 5 * 60_000 });
        const me0 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me', headers: h });
        expect(me0.json().error.code).toBe('NOT_REGISTERED');
        const chk = await checkItinerary(t.app, partner, h, 'register');
        expect(chk.statusCode, chk.body).toBe(200);
        expect(chk.json()).toMatchObject({
          epidemicSojourn: false,
          phone: '138****0001',
          windowDays: 14,
          cities: [{ city: '南昌市' }],
        });
        const reg = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({ itineraryCheckId: chk.json().checkId }),
        });
        expect(reg.statusCode, reg.body).toBe(201);
        expect(reg.json()).toMatchObject({
          colour: 'green',
          maskedName: '**明',
          idNumber: '3601**********1238'.slice(0, 4) + reg.json().idNumber.slice(4),
        });
        expect(reg.json().idNumber).toMatch(/^3601\*{10}\d{3}[\dX]$/);
        const code = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h });
        const c = code.json();
        expect(c).toMatchObject({ colour: 'green', maskedName: '**明' });
        expect(c.expiresAt - c.issuedAt).toBe(60_000);
        const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/health-code-keys.json' })).json();
        expect(verifyWithJwks(c.token, jwks)).toBe(true);
        const dup = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person(),
        });
        expect(dup.json().error.code).toBe('ALREADY_REGISTERED');
      });

      it('locks 疫区旅居史 to Yes when the itinerary touches an epidemic area, and the code is red with the reason', async () => {
        const h = await login(t, '13900000002');
        const chk = (await checkItinerary(t.app, partner, h, 'register')).json();
        expect(chk.epidemicSojourn).toBe(true);
        expect(chk.hits).toEqual([{ areaName: '湖北省', place: '湖北省武汉市' }]);
        // The form tries to answer No: the lock wins.
        const reg = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({
            name: '李四',
            idNumber: idNumber('360102', '1985-05-05', '456'),
            itineraryCheckId: chk.checkId,
          }),
        });
        expect(reg.json()).toMatchObject({ colour: 'red', epidemicSojourn: true });
        expect(reg.json().reasons[0].zh).toContain('湖北省武汉市');
      });

      it('asks for authorisation, accepts a hand-declared Yes, refuses bad ID numbers and names', async () => {
        const h = await login(t, '13600000003');
        const no = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/itinerary-checks',
          headers: h,
          payload: { authorised: false, purpose: 'register' },
        });
        expect(no.json().error.code).toBe('CONSENT_REQUIRED');
        const badId = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({ idNumber: '360102199001011230' }),
        });
        expect(badId.statusCode).toBe(400);
        expect(badId.json().error).toMatchObject({
          code: 'ID_NUMBER_INVALID',
          message: '请输入正确的18位居民身份证号码',
        });
        const badName = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({ name: '<b>' }),
        });
        expect(badName.json().error.code).toBe('NAME_INVALID');
        const reg = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({ name: '赵六', idNumber: idNumber('110105', '1949-12-31', '002'), epidemicSojourn: true }),
        });
        expect(reg.json()).toMatchObject({ colour: 'red', reasons: [{ zh: '本人申报14天内有疫区旅居史' }] });
      });

      it('gives the error and the itinerary card link when the itinerary cannot be had', async () => {
        const h = await login(t, '13700000004');
        const r = await checkItinerary(t.app, partner, h, 'register');
        expect(r.statusCode).toBe(403);
        expect(r.json().error).toMatchObject({ code: 'NEW_SUBSCRIBER', itineraryCardUrl: 'http://127.0.0.1:3000/' });
        const forged = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/registrations',
          headers: h,
          payload: person({
            name: '钱七',
            idNumber: idNumber('360102', '1970-03-03', '777'),
            itineraryCheckId: 'AAAAAAAAAAAAAAAA',
          }),
        });
        expect(forged.json().error.code).toBe('ITINERARY_CHECK_EXPIRED');
      });
    });

    describe('modifying information, rules and list changes', () => {
      it('re-evaluates on edits (symptoms → yellow, a new itinerary abroad → red)', async () => {
        const h = await login(t, '13800000001');
        const ed = await t.app.inject({
          method: 'PUT',
          url: '/api/hc/v1/me',
          headers: h,
          payload: person({ symptoms: true }),
        });
        expect(ed.json()).toMatchObject({ colour: 'yellow', reasons: [{ condition: 'symptoms' }] });
        partner.answers.set('13800000001', { cities: [NANCHANG], countries: [['JP', '日本']] });
        const chk = (await checkItinerary(t.app, partner, h, 'edit')).json();
        expect(chk.epidemicSojourn).toBe(true);
        const ed2 = await t.app.inject({
          method: 'PUT',
          url: '/api/hc/v1/me',
          headers: h,
          payload: person({ itineraryCheckId: chk.checkId }),
        });
        expect(ed2.json()).toMatchObject({ colour: 'red', epidemicSojourn: true });
        expect(ed2.json().reasons[0].zh).toContain('日本');
      });

      it('follows the area list: ending a listing turns an itinerary-only red code green', async () => {
        const areas = (
          await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/epidemic-areas', headers: admin })
        ).json().areas;
        const hubei = areas.find((a: { code: string }) => a.code === '420000');
        const h = await login(t, '13900000002');
        // 李四's stored declaration was locked to Yes by the itinerary; the edit form (without a new
        // check) answers No again, leaving the itinerary as the only evidence.
        const chk = (await checkItinerary(t.app, partner, h, 'edit')).json();
        expect(chk.epidemicSojourn).toBe(true);
        const del = await t.app.inject({
          method: 'PATCH',
          url: `/api/hc/v1/admin/epidemic-areas/${hubei.id}`,
          headers: admin,
          payload: { to: '2022-08-20' },
        });
        expect(del.statusCode, del.body).toBe(200);
        const ed = await t.app.inject({
          method: 'PUT',
          url: '/api/hc/v1/me',
          headers: h,
          payload: person({ name: '李四', idNumber: idNumber('360102', '1985-05-05', '456') }),
        });
        expect(ed.json().colour).toBe('green');
        const restore = await t.app.inject({
          method: 'PATCH',
          url: `/api/hc/v1/admin/epidemic-areas/${hubei.id}`,
          headers: admin,
          payload: { to: null },
        });
        expect(restore.json().reevaluated.changed).toBeGreaterThanOrEqual(1);
        expect((await t.app.inject({ method: 'GET', url: '/api/hc/v1/me', headers: h })).json().colour).toBe('red');
      });

      it("applies the office's decision with its reason", async () => {
        const r = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/admin/decisions',
          headers: admin,
          payload: { phone: '13600000003', colour: 'yellow', reason: '居家观察' },
        });
        expect(r.json().colour).toBe('red');
        const h = await login(t, '13600000003');
        const me = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me', headers: h })).json();
        expect(me.reasons.map((x: { zh: string }) => x.zh)).toContain('防疫指挥部判定：居家观察');
        expect(
          (
            await t.app.inject({
              method: 'GET',
              url: '/api/hc/v1/admin/audit',
              headers: { authorization: 'Bearer nope' },
            })
          ).statusCode,
        ).toBe(403);
      });
    });

    describe('verification, rotation', () => {
      it('verifies fresh codes and rejects expired, altered and forged ones', async () => {
        const h = await login(t, '13800000001');
        const c = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json();
        const ok = await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: c.token } });
        expect(ok.json()).toMatchObject({ valid: true, type: 'person', colour: 'red', maskedName: '**明' });
        const [p, body, sig] = c.token.split('.');
        const arr = JSON.parse(Buffer.from(body, 'base64url').toString());
        arr[4] = 'g';
        const altered = `${p}.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${sig}`;
        expect(
          (await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: altered } })).json().error
            .code,
        ).toBe('HEALTH_CODE_FORGED');
        t.clock.advance(61_000);
        const late = await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: c.token } });
        expect(late.json().error).toMatchObject({
          code: 'HEALTH_CODE_EXPIRED',
          message: '二维码已过期，请出示实时刷新的昌通码',
        });
      });

      it('rotates keys with overlap', async () => {
        const h = await login(t, '13800000001');
        const before = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token;
        const rot = (
          await t.app.inject({ method: 'POST', url: '/api/hc/v1/admin/keys/rotate', headers: admin })
        ).json();
        const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/health-code-keys.json' })).json();
        // The key in force, its successor (the former standby), and a new standby.
        expect(jwks.keys).toHaveLength(3);
        expect(jwks.keys[1].kid).toBe(rot.kid);
        expect(jwks.keys[2].standby).toBe(true);
        // Still the old key during the publish-ahead period; the old code verifies.
        const during = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token;
        expect(JSON.parse(Buffer.from(during.split('.')[1], 'base64url').toString())[1]).not.toBe(rot.kid);
        t.clock.advance(600_000);
        const after = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token;
        expect(JSON.parse(Buffer.from(after.split('.')[1], 'base64url').toString())[1]).toBe(rot.kid);
        expect(verifyWithJwks(before, jwks) && verifyWithJwks(after, jwks)).toBe(true);
        expect(
          (await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: after } })).json().valid,
        ).toBe(true);
        // Automatic rotation once the signing key is older than keyRotateDays (30).
        await t.app.healthCode.autoRotate();
        const jwks2 = (await t.app.inject({ method: 'GET', url: '/.well-known/health-code-keys.json' })).json();
        expect(jwks2.keys).toHaveLength(3);
        t.clock.advance(31 * DAY_MS);
        await t.app.healthCode.autoRotate();
        await t.app.healthCode.autoRotate();
        const keys = (await t.app.inject({ method: 'GET', url: '/.well-known/health-code-keys.json' })).json().keys;
        expect(keys).toHaveLength(4);
        expect(keys[1].signUntil).toBe(keys[2].nbf);
      });
    });

    describe('venues, scan and punch, retention, audit', () => {
      it('registers a venue, serves its posters, records check-ins, and deletes them after 21 days', async () => {
        const owner = await login(t, '13600000003');
        const v = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/venues',
          headers: owner,
          payload: { kind: 'unit', name: '红谷滩区某某科技有限公司', address: '南昌市红谷滩区' },
        });
        expect(v.statusCode, v.body).toBe(201);
        const venue = v.json();
        expect(venue.checkinUrl).toMatch(/^http:\/\/127\.0\.0\.1:3001\/health\/checkin\.html\?c=CT1\./);
        const png = await t.app.inject({
          method: 'GET',
          url: `/api/hc/v1/venues/${venue.id}/poster.png`,
          headers: owner,
        });
        expect(png.headers['content-type']).toBe('image/png');
        const pdf = await t.app.inject({
          method: 'GET',
          url: `/api/hc/v1/venues/${venue.id}/poster.pdf`,
          headers: owner,
        });
        expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
        const other = await login(t, '13800000001');
        expect(
          (await t.app.inject({ method: 'GET', url: `/api/hc/v1/venues/${venue.id}/poster.png`, headers: other }))
            .statusCode,
        ).toBe(404);

        const punch = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/checkins',
          headers: other,
          payload: { code: venue.checkinUrl },
        });
        expect(punch.statusCode, punch.body).toBe(201);
        expect(punch.json()).toMatchObject({
          venue: { name: '红谷滩区某某科技有限公司', kindName: '单位码' },
          maskedName: '**明',
        });
        const forged = venue.checkinUrl.replace(/.{10}$/, 'AAAAAAAAAA');
        expect(
          (
            await t.app.inject({
              method: 'POST',
              url: '/api/hc/v1/checkins',
              headers: other,
              payload: { code: forged },
            })
          ).json().error.code,
        ).toBe('VENUE_CODE_INVALID');
        const stranger = await login(t, '15000000009');
        expect(
          (
            await t.app.inject({
              method: 'POST',
              url: '/api/hc/v1/checkins',
              headers: stranger,
              payload: { code: venue.checkinUrl },
            })
          ).json().error.code,
        ).toBe('NOT_REGISTERED');

        t.clock.advance(10 * DAY_MS);
        const again = await login(t, '13800000001'); // sessions last 7 days
        const second = await t.app.inject({
          method: 'POST',
          url: '/api/hc/v1/checkins',
          headers: again,
          payload: { code: venue.checkinUrl },
        });
        expect(second.statusCode).toBe(201);
        await t.app.healthCode.checkinWriter.drain();
        t.clock.advance(12 * DAY_MS); // first check-in is now 22 days old, second 12
        const ret = (await t.app.inject({ method: 'POST', url: '/api/hc/v1/admin/retention', headers: admin })).json();
        expect(ret.checkinsDeleted).toBe(1);
        const left = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins');
        expect(left[0]!.n).toBe(1);
      });

      it('audits every consent and itinerary read, with masked numbers only', async () => {
        const entries = (
          await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/audit?limit=500', headers: admin })
        ).json().entries as Array<{ action: string; subject: string; detail: Record<string, unknown> }>;
        const consents = entries.filter((e) => e.action === 'consent.granted');
        const reads = entries.filter((e) => e.action === 'itinerary.read');
        expect(consents.length).toBe(partner.calls.filter((c) => c.op === 'consent').length);
        expect(reads.length).toBe(consents.length);
        expect(reads.some((r) => r.detail.outcome === 'NEW_SUBSCRIBER')).toBe(true);
        expect(JSON.stringify(entries)).not.toMatch(/\b1[3-9]\d{9}\b/);
        expect(T0).toBeLessThan(t.clock.now());
      });
    });
  });
}
