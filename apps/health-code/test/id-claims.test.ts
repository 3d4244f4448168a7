// ID numbers cannot be squatted: a registration another phone made for an ID
// (代申领, or a squatter) is claimed by the ID's owner from their own phone with the
// ID's name; the code moves, the other phone is told, and no registration answer
// says whether anyone else had registered the ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakePartner } from './fake-partner.ts';
import { ADMIN, idNumber, login, makeApp, type TestApp } from './helpers.ts';

const admin = { authorization: `Bearer ${ADMIN}` };
let t: TestApp;

beforeAll(async () => {
  t = await makeApp(fakePartner(Date.parse('2022-09-08T00:00:00+08:00')));
});
afterAll(async () => {
  await t?.close();
});

function person(name: string, id: string, over: Record<string, unknown> = {}) {
  return {
    name,
    idNumber: id,
    address: '南昌市西湖区',
    epidemicSojourn: false,
    symptoms: false,
    closeContact: false,
    ...over,
  };
}

const register = (h: { authorization: string }, body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/hc/v1/registrations', headers: h, payload: body });

/** The shape of an answer: keys and value types, not values. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, shape(x)]));
  }
  return typeof v;
}

describe('claiming a registration made by another phone', () => {
  const elder = idNumber('360102', '1940-04-04', '444');

  it('a family member registers for an elderly relative; the relative claims it from their own phone', async () => {
    const family = await login(t, '13800000081');
    const proxyReg = await register(family, person('张老汉', elder, { forOther: true }));
    expect(proxyReg.statusCode, proxyReg.body).toBe(201);
    expect(proxyReg.json()).toMatchObject({ forOther: true, colour: 'green' });
    // The office marks the person yellow while the proxy holds the code.
    const d = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/admin/decisions',
      headers: admin,
      payload: { phone: '13800000081', colour: 'yellow', reason: '居家观察' },
    });
    expect(d.json()).toEqual({ colour: 'yellow' });
    const code0 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: family });
    expect(code0.statusCode).toBe(200);

    // A stranger with the wrong name learns only that the name and the ID do not match.
    const stranger = await login(t, '13800000082');
    const wrong = await register(stranger, person('李四', elder));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('ID_NAME_MISMATCH');
    expect(wrong.body).not.toContain('138');

    // The owner, on their own phone, with the ID's name: the same answer as any first registration.
    const owner = await login(t, '13800000083');
    const claimed = await register(owner, person('张老汉', elder, { address: '南昌市东湖区' }));
    expect(claimed.statusCode, claimed.body).toBe(201);
    const freshPhone = await login(t, '13800000084');
    const fresh = await register(freshPhone, person('王五', idNumber('360102', '1970-07-07', '707')));
    expect(fresh.statusCode).toBe(201);
    expect(shape(claimed.json())).toEqual(shape(fresh.json()));
    // The office's decision stays with the person; the code is now the owner's.
    expect(claimed.json()).toMatchObject({ phone: '138****0083', forOther: false, colour: 'yellow' });
    const code1 = await t.app.inject({ method: 'GET', url: '/api/hc/v1/me/code', headers: owner });
    expect(code1.json()).toMatchObject({ colour: 'yellow', phone: '138****0083' });

    // The proxy's phone is told, and its session no longer acts for the relative.
    const notice = t.sms.list('13800000081').at(-1)!.text;
    expect(notice).toContain('已由其本人使用手机号138****0083认领');
    expect(notice).not.toContain(elder);
    expect((await t.app.inject({ method: 'GET', url: '/api/hc/v1/me', headers: family })).json().error.code).toBe(
      'NOT_REGISTERED',
    );
    const venue = (
      await t.app.inject({
        method: 'POST',
        url: '/api/hc/v1/venues',
        headers: owner,
        payload: { kind: 'unit', name: '西湖区某某社区', address: '南昌市西湖区' },
      })
    ).json();
    const punch = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: family,
      payload: { code: venue.checkinUrl },
    });
    expect(punch.json().error.code).toBe('NOT_REGISTERED');
    const ownerPunch = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/checkins',
      headers: owner,
      payload: { code: venue.checkinUrl },
    });
    expect(ownerPunch.statusCode).toBe(201);
    // The proxy's phone may register its own holder again.
    const own = await register(family, person('张小华', idNumber('360102', '1975-05-05', '575')));
    expect(own.statusCode).toBe(201);

    const audit = (
      await t.app.inject({ method: 'GET', url: '/api/hc/v1/admin/audit?action=person.claim', headers: admin })
    ).json();
    expect(audit.entries[0]).toMatchObject({
      subject: '138****0083',
      detail: { from: '138****0081', wasProxy: true },
    });
    expect(JSON.stringify(audit)).not.toContain('13800000081');
  });

  it('bounds name guesses per phone, and hands repeated claims of one ID to the office', async () => {
    const guesser = await login(t, '13800000085');
    const answers = [];
    for (const name of ['甲', '乙', '丙', '丁', '戊', '己'])
      answers.push((await register(guesser, person(name, elder))).json());
    expect(answers.slice(0, 5).map((a) => a.error.code)).toEqual(Array(5).fill('ID_NAME_MISMATCH'));
    expect(answers[5].error.code).toBe('TOO_MANY_REQUESTS');

    // Back and forth between two phones: after three claims in 30 days the office decides.
    const a = await login(t, '13800000086');
    const b = await login(t, '13800000087');
    const id = idNumber('360102', '1988-08-08', '808');
    expect((await register(a, person('孙七', id))).statusCode).toBe(201);
    expect((await register(b, person('孙七', id))).statusCode).toBe(201); // claim 1
    expect((await register(a, person('孙七', id))).statusCode).toBe(201); // claim 2
    expect((await register(b, person('孙七', id))).statusCode).toBe(201); // claim 3
    const fourth = await register(a, person('孙七', id));
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error.code).toBe('CLAIM_DISPUTED');
    expect((await t.app.inject({ method: 'GET', url: '/api/hc/v1/me', headers: b })).json().phone).toBe('138****0087');
  });
});
