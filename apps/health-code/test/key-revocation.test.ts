// Revoking a signing key never leaves the system without a key in force: the
// standby key (published before) signs at once; venue posters the revoked key
// signed are signed again and marked for reprinting, and the old poster says so.

import { CodeVerifier } from '@itinerary-card/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakePartner } from './fake-partner.ts';
import { ADMIN, idNumber, login, makeApp, type TestApp } from './helpers.ts';

const admin = { authorization: `Bearer ${ADMIN}` };
let t: TestApp;

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[1] as string;

beforeAll(async () => {
  t = await makeApp(fakePartner(Date.parse('2022-09-08T00:00:00+08:00')));
});
afterAll(async () => {
  await t?.close();
});

type Jwks = { keys: Array<{ kid: string; x: string; nbf: number; signUntil?: number; standby?: true }> };

/** A verifier that holds a key set it fetched earlier (offline, cached). */
/** What a staff phone does offline: the pages' verifier on the key set it downloaded. */
function cachedVerifier(set: Jwks): CodeVerifier {
  return new CodeVerifier(set.keys);
}

async function jwks(): Promise<Jwks> {
  return (await t.app.inject({ method: 'GET', url: '/.well-known/health-code-keys.json' })).json() as Jwks;
}

describe('key revocation', () => {
  it('promotes the published standby key at once and marks posters of the revoked key for reprinting', async () => {
    const h = await login(t, '13800000061');
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/registrations',
      headers: h,
      payload: {
        name: '李四',
        idNumber: idNumber('360102', '1985-05-05', '555'),
        address: '南昌市东湖区',
        epidemicSojourn: false,
        symptoms: false,
        closeContact: false,
      },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const venue = (
      await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: h,
        payload: { kind: 'unit', name: '东湖区某某超市', address: '南昌市东湖区' },
      })
    ).json();
    const before = await jwks();
    const standby = before.keys.find((k) => k.standby);
    expect(standby).toBeDefined();
    const code0 = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token;
    const revokedKid = kidOf(code0);
    expect(revokedKid).not.toBe(standby!.kid);
    // Scanned once, so the resolved code is cached.
    const punch0 = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: h,
      payload: { code: venue.checkinUrl },
    });
    expect(punch0.statusCode, punch0.body).toBe(201);

    const rev = await t.app.inject({
      method: 'POST',
      url: `/api/hc/v1/admin/keys/${revokedKid}/revoke`,
      headers: admin,
    });
    expect(rev.statusCode, rev.body).toBe(200);
    expect(rev.json()).toEqual({ revoked: true, venuesResigned: 1 });

    // A code at once, signed by the key every cached verifier already had.
    const code1 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h });
    expect(code1.statusCode, code1.body).toBe(200);
    expect(kidOf(code1.json().token)).toBe(standby!.kid);
    const ok = await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: code1.json().token } });
    expect(ok.json()).toMatchObject({ valid: true, type: 'person' });
    // A staff phone holding the key set from before the revocation verifies the new code offline.
    expect((await cachedVerifier(before).verify(code1.json().token, t.clock.now())).ok).toBe(true);
    const after = await jwks();
    expect(after.keys.map((k) => k.kid)).not.toContain(revokedKid);
    expect(after.keys.filter((k) => k.standby)).toHaveLength(1);
    expect(after.keys.find((k) => k.standby)!.kid).not.toBe(standby!.kid);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: code0 } })).json().error.code,
    ).toBe('HEALTH_CODE_FORGED');

    // The printed poster is refused with the reason; the venue's new code checks in.
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: h,
      payload: { code: venue.checkinUrl },
    });
    expect(old.json().error).toMatchObject({ code: 'VENUE_REPRINT_REQUIRED' });
    const mine = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/venues', headers: h })).json().venues;
    expect(mine[0]).toMatchObject({ id: venue.id, reprintRequired: true });
    expect(mine[0].checkinUrl).not.toBe(venue.checkinUrl);
    expect(kidOf(new URL(mine[0].checkinUrl).searchParams.get('c')!)).toBe(standby!.kid);
    const list = (await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/venues/reprint', headers: admin })).json();
    expect(list.venues).toEqual([
      expect.objectContaining({ id: venue.id, reprintRequired: true, ownerPhone: '138****0061' }),
    ]);
    const fresh = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: h,
      payload: { code: mine[0].checkinUrl },
    });
    expect(fresh.statusCode, fresh.body).toBe(201);
    // The notice stays while the new poster is fetched, until the owner says it is up.
    const png = await t.app.inject({ method: 'GET', url: `/api/hc/v1/venues/${venue.id}/poster.png`, headers: h });
    expect(png.statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/hc/v1/venues', headers: h })).json().venues[0],
    ).toMatchObject({ reprintRequired: true });
    const done = await t.app.inject({ method: 'POST', url: `/api/hc/v1/venues/${venue.id}/reprinted`, headers: h });
    expect(done.json()).toMatchObject({ id: venue.id, reprintRequired: false });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/hc/v1/venues', headers: h })).json().venues[0],
    ).toMatchObject({ reprintRequired: false });
    const audit = (
      await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/audit?action=keys.revoke', headers: admin })
    ).json();
    expect(audit.entries[0].detail).toMatchObject({ revoked: true, venuesResigned: 1, signingKey: standby!.kid });
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/hc/v1/admin/keys/nope/revoke', headers: admin })).statusCode,
    ).toBe(404);
  });

  it('keeps a key in force when the key in force or its published successor is revoked mid-rotation', async () => {
    const h = await login(t, '13800000061');
    const rot = (await t.app.inject({ method: 'POST', url: '/api/hc/v1/admin/keys/rotate', headers: admin })).json();
    const current = kidOf((await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h })).json().token);
    expect(current).not.toBe(rot.kid);
    // The successor is withdrawn before it signs: the current key signs on past the planned switch.
    await t.app.inject({ method: 'POST', url: `/api/hc/v1/admin/keys/${rot.kid}/revoke`, headers: admin });
    t.clock.advance(700_000);
    const c1 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h });
    expect(c1.statusCode, c1.body).toBe(200);
    expect(kidOf(c1.json().token)).toBe(current);
    // Rotate again, then withdraw the key in force during the publish-ahead period: a key every
    // cached key set already holds signs at once, and the successor still takes over when planned.
    const rot2 = (await t.app.inject({ method: 'POST', url: '/api/hc/v1/admin/keys/rotate', headers: admin })).json();
    const cached = await jwks();
    await t.app.inject({ method: 'POST', url: `/api/hc/v1/admin/keys/${current}/revoke`, headers: admin });
    const c2 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h });
    expect(c2.statusCode, c2.body).toBe(200);
    expect(kidOf(c2.json().token)).not.toBe(current);
    expect((await cachedVerifier(cached).verify(c2.json().token, t.clock.now())).ok).toBe(true);
    const v = await t.app.inject({ method: 'POST', url: '/api/hc/v1/verify', payload: { code: c2.json().token } });
    expect(v.json().valid).toBe(true);
    t.clock.advance(600_000);
    const c3 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: h });
    expect(kidOf(c3.json().token)).toBe(rot2.kid);
    expect((await cachedVerifier(cached).verify(c3.json().token, t.clock.now())).ok).toBe(true);
    const keys = (await jwks()).keys;
    expect(keys.filter((k) => k.standby)).toHaveLength(1);
    expect(keys.map((k) => k.kid)).not.toContain(current);
  });

  it('replicas that all find the signing key old rotate it once', async () => {
    t.clock.advance(31 * 86_400_000);
    const before = (await jwks()).keys.length;
    await Promise.all([t.app.healthCode.autoRotate(), t.app.healthCode.autoRotate(), t.app.healthCode.autoRotate()]);
    const after = (await jwks()).keys;
    expect(after.length).toBe(before + 1); // one successor (the former standby) and one new standby
    expect(after.filter((k) => k.standby)).toHaveLength(1);
    expect(after.filter((k) => !k.standby && k.nbf * 1000 > t.clock.now())).toHaveLength(1);
  });
});
