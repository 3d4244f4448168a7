// What people meet outside the card itself: a mistyped address in a browser,
// the site icon, the OpenAPI document (security schemes, summaries) and the
// risk-area admin API's dates.
import { ERROR_TABLE } from '@itinerary-card/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from './fixtures.ts';

let p: TestPlatform;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => p?.close());

describe('unknown addresses and the site icon', () => {
  it('gives a browser a page with a link home, in its language; API clients keep the JSON error', async () => {
    const page = await p.app.inject({ url: '/helpp', headers: { accept: BROWSER_ACCEPT } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('您访问的页面不存在');
    expect(page.body).toContain('<a href="/">');
    expect(page.body).not.toContain('NOT_FOUND');
    const en = await p.app.inject({
      url: '/no/such/page',
      headers: { accept: BROWSER_ACCEPT, 'accept-language': 'en-GB,en;q=0.9' },
    });
    expect(en.body).toContain('This page does not exist');
    expect(en.body).toContain('<html lang="en">');

    for (const accept of [undefined, '*/*', 'application/json']) {
      const api = await p.app.inject({ url: '/api/v1/nope', headers: accept ? { accept } : {} });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toEqual({ error: { code: 'NOT_FOUND', message: ERROR_TABLE.NOT_FOUND.zh } });
    }
  });

  it('serves /favicon.ico as an icon', async () => {
    const r = await p.app.inject({ url: '/favicon.ico' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/x-icon');
    const ico = r.rawPayload;
    // ICONDIR: reserved 0, type 1 (icon), one image; the image is a PNG.
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect(ico.subarray(ico.readUInt32LE(18), ico.readUInt32LE(18) + 4).toString('latin1')).toBe('\x89PNG');
  });
});

describe('OpenAPI document', () => {
  it('declares the bearer schemes (Swagger UI’s Authorize) and which operations need them', async () => {
    const doc = (await p.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['admin', 'partner', 'session']);
    expect(doc.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/itinerary'].get.security).toEqual([{ session: [] }]);
    expect(
      doc.paths['/api/v1/partner/itinerary'].post?.security ?? doc.paths['/api/v1/partner/itinerary'].get?.security,
    ).toEqual([{ partner: [] }]);
    expect(doc.paths['/api/v1/partner/token'].post.security).toBeUndefined();
    expect(doc.paths['/api/v1/sms-code'].post.security).toBeUndefined();
  });

  it('gives every admin operation a summary and the admin scheme', async () => {
    const doc = (await p.app.inject({ url: '/docs/json' })).json();
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; security?: unknown }>>)
      .filter(([path]) => path.startsWith('/api/v1/admin/'))
      .flatMap(([path, o]) => Object.entries(o).map(([method, op]) => ({ at: `${method} ${path}`, ...op })));
    expect(ops.length).toBeGreaterThanOrEqual(9);
    expect(ops.filter((o) => !o.summary).map((o) => o.at)).toEqual([]);
    expect(ops.filter((o) => JSON.stringify(o.security) !== '[{"admin":[]}]').map((o) => o.at)).toEqual([]);
  });
});

describe('risk-area admin API dates', () => {
  it('takes a plain date as 00:00 Beijing time and answers in +08:00, like the rest of the API', async () => {
    const r = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/risk-areas',
      headers: admin,
      payload: {
        cityCode: '360100',
        area: '东湖区某街道',
        level: 'high',
        effectiveFrom: '2026-11-25',
        effectiveTo: '2026-12-09',
      },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      effectiveFrom: '2026-11-25T00:00:00+08:00',
      effectiveTo: '2026-12-09T00:00:00+08:00',
    });
    const instant = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/risk-areas',
      headers: admin,
      payload: { cityCode: '360100', area: '西湖区', level: 'medium', effectiveFrom: '2026-11-25T10:30:00Z' },
    });
    expect(instant.json().effectiveFrom).toBe('2026-11-25T18:30:00+08:00');
    const list = (await p.app.inject({ url: '/api/v1/admin/risk-areas', headers: admin })).json();
    for (const a of list.areas) expect(a.effectiveFrom).toMatch(/\+08:00$/);
    // The rest of the admin API too: the audit log and the partners.
    await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/partners',
      headers: admin,
      payload: { clientId: 'nanchang-hc', name: '昌通码' },
    });
    const audit = (await p.app.inject({ url: '/api/v1/admin/audit?actor=admin', headers: admin })).json();
    expect(audit.entries.length).toBeGreaterThan(0);
    for (const e of audit.entries) expect(e.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
    const partners = (await p.app.inject({ url: '/api/v1/admin/partners', headers: admin })).json();
    for (const x of partners.partners) expect(x.createdAt).toMatch(/\+08:00$/);
  });

  it('refuses a date it cannot read with INVALID_TIME, saying which field and what it expects', async () => {
    for (const effectiveFrom of ['25.11.2026', '2026-13-01', '2026-11-25T08:00:00']) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/api/v1/admin/risk-areas',
        headers: admin,
        payload: { cityCode: '360100', area: '青山湖区', level: 'high', effectiveFrom },
      });
      expect(r.statusCode, effectiveFrom).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'INVALID_TIME', field: 'effectiveFrom', value: effectiveFrom });
      expect(r.json().error.message).toContain('2026-11-25');
    }
    const en = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/risk-areas',
      headers: { ...admin, 'accept-language': 'en' },
      payload: {
        cityCode: '360100',
        area: '青山湖区',
        level: 'high',
        effectiveFrom: '2026-11-25',
        effectiveTo: 'soon',
      },
    });
    expect(en.json().error).toMatchObject({ code: 'INVALID_TIME', field: 'effectiveTo' });
    expect(en.json().error.message).toContain('00:00 Beijing time');
  });
});
