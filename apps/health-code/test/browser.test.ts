// Every health-code flow in Debian's Chromium against a listening app with the
// built pages: application with the itinerary module (clean and epidemic-area
// itineraries), the refreshing personal code read by zbarimg, edits, venue
// registration and posters, scan and punch with the itinerary module and its
// fallback link, and the staff page verifying offline from a picture and the camera.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cspViolations, inlineScriptRefused, securityHeaderProblems } from '@itinerary-card/web/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyRecord, Keyring } from '../src/signing/keyring.ts';
import { type BrowserApp, NANCHANG, qrPng, shot, startBrowserApp, WUHAN, zbar } from './browser-kit.ts';
import { ADMIN, idNumber } from './helpers.ts';

const CARD_URL = 'http://127.0.0.1:9/itinerary-card/';
let t: BrowserApp;

beforeAll(async () => {
  t = await startBrowserApp({
    // 13700000013 has no data: the itinerary cannot be had.
    itineraries: { '13800000011': [NANCHANG], '13900000012': [NANCHANG, WUHAN] },
    config: { itineraryCardUrl: CARD_URL, codeTtlSeconds: 15 },
  });
});

afterAll(() => t?.close());

const phones = new Map<string, BrowserContext>();

/** A phone per holder: the same browser context (and session) across tests. */
async function newPhone(holder = ''): Promise<Page> {
  let ctx = holder ? phones.get(holder) : undefined;
  if (!ctx) {
    ctx = await t.phone();
    if (holder) phones.set(holder, ctx);
  }
  return ctx.newPage();
}

/** The itinerary steps, checking the masked number on the code step and keeping a screenshot of it. */
function authorise(page: Page, msisdn: string): Promise<void> {
  return t.authorise(page, msisdn, async () => {
    expect(await page.textContent('#itinerary-confirm-step')).toContain(`${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`);
    await shot(page, 'itinerary-confirm');
  });
}

async function apply(page: Page, msisdn: string, name: string, id: string, withItinerary: boolean): Promise<void> {
  await page.goto('/health/register.html');
  await t.logIn(page, msisdn);
  await page.waitForSelector('#person-form');
  await page.fill('#f-name', name);
  await page.fill('#f-id', id);
  await page.fill('#f-address', '南昌市东湖区八一大道1号');
  if (withItinerary) await authorise(page, msisdn);
}

const tokens: Record<string, string> = {};

describe('health code in the browser', () => {
  it('首次申领: the itinerary touches Hubei, the answer locks to Yes and the code is red', async () => {
    const page = await newPhone('13900000012');
    await apply(page, '13900000012', '李四', idNumber('360102', '1985-05-05', '456'), true);
    await expect.poll(() => page.textContent('#itinerary-verdict')).toContain('疫区旅居史：是');
    expect(await page.textContent('#itinerary-cities')).toContain('湖北省武汉市');
    expect(await page.isChecked('#sojourn-yes')).toBe(true);
    expect(await page.isDisabled('#sojourn-no')).toBe(true);
    await shot(page, 'register-locked');
    await page.check('#symptoms-no');
    await page.check('#contact-no');
    await page.click('#form-submit');
    await page.waitForSelector('#code-card');
    expect(await page.textContent('#code-colour')).toBe('红码');
    expect(await page.textContent('#code-reasons')).toContain('湖北省武汉市');
    await shot(page, 'code-red');
  });

  it('首次申领 with a clean itinerary gives a green code that refreshes, and zbarimg reads it', async () => {
    const page = await newPhone('13800000011');
    await apply(page, '13800000011', '王小明', idNumber('360102', '1990-01-01', '123'), true);
    await expect.poll(() => page.textContent('#itinerary-verdict')).toBe('疫区旅居史：否');
    expect(await page.isChecked('#sojourn-no')).toBe(true);
    await page.check('#symptoms-no');
    await page.check('#contact-no');
    await page.click('#form-submit');
    await page.waitForSelector('#code-card');
    expect(await page.textContent('#code-colour')).toBe('绿码');
    expect(await page.textContent('#code-name')).toContain('**明');
    expect(await page.textContent('#code-clock')).toMatch(/^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$/);
    const first = await page.getAttribute('#code-qr', 'data-token');
    const file = await shot(page, 'code-green');
    const read = zbar(file);
    expect(read).toBe(first);
    tokens.green = read;
    // The code is re-signed on screen before it expires (TTL 15 s, refresh every 5 s).
    await expect.poll(() => page.getAttribute('#code-qr', 'data-token'), { timeout: 15_000 }).not.toBe(first);
    await page.locator('#code-qr').screenshot({ path: join(tmpdir(), 'hc-code-qr.png') });
    tokens.greenPicture = join(tmpdir(), 'hc-code-qr.png');
  });

  it('修改信息: the edit form with the itinerary module; declaring symptoms turns the code yellow', async () => {
    const page = await newPhone('13800000011');
    await page.goto('/health/edit.html');
    await t.logIn(page, '13800000011');
    await page.waitForSelector('#person-form');
    expect(await page.inputValue('#f-name')).toBe('王小明');
    await authorise(page, '13800000011');
    await expect.poll(() => page.textContent('#itinerary-verdict')).toBe('疫区旅居史：否');
    await page.check('#symptoms-yes');
    await shot(page, 'edit');
    await page.click('#form-submit');
    await page.waitForSelector('#code-card');
    expect(await page.textContent('#code-colour')).toBe('黄码');
    expect(await page.textContent('#code-reasons')).toContain('发热');
  });

  it('场所码: a unit registers, downloads PNG and PDF posters, and zbarimg reads the poster', async () => {
    const page = await newPhone('13800000011');
    await page.goto('/health/venue.html');
    await t.logIn(page, '13800000011');
    await page.waitForSelector('#venue-form');
    await page.selectOption('#v-kind', 'checkpoint');
    await page.fill('#v-name', '红谷滩区丰和卡口');
    await page.fill('#v-address', '南昌市红谷滩区丰和中大道');
    await page.click('#venue-submit');
    const card = page.locator('article.hc-venue').first();
    await card.waitFor();
    await expect
      .poll(() => card.locator('img').evaluate((i) => (i as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    await shot(page, 'venue');
    const [png] = await Promise.all([page.waitForEvent('download'), card.locator('[data-download=png]').click()]);
    const pngPath = join(tmpdir(), `hc-${png.suggestedFilename()}`);
    await png.saveAs(pngPath);
    const url = zbar(pngPath);
    expect(url).toMatch(new RegExp(`^${t.base}/health/checkin\\.html\\?c=CT1\\.`));
    tokens.venueUrl = url;
    const [pdf] = await Promise.all([page.waitForEvent('download'), card.locator('[data-download=pdf]').click()]);
    const pdfPath = join(tmpdir(), 'hc-poster.pdf');
    await pdf.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('自助扫码打卡: scanning the code records a check-in and the success page shows the 14-day itinerary', async () => {
    const page = await newPhone('13900000012');
    await page.goto(tokens.venueUrl!);
    await t.logIn(page, '13900000012');
    await page.waitForSelector('#checkin-success');
    expect(await page.textContent('#checkin-venue')).toBe('昌通核验码 · 红谷滩区丰和卡口');
    await authorise(page, '13900000012');
    await expect.poll(() => page.textContent('#itinerary-cities')).toContain('湖北省武汉市');
    await shot(page, 'checkin-itinerary');
    await t.app.healthCode.checkinWriter.drain();
    const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins');
    expect(rows[0]!.n).toBe(1);
  });

  it('自助扫码打卡 without an itinerary links straight to the itinerary card page', async () => {
    const page = await newPhone('13700000013');
    await apply(page, '13700000013', '赵六', idNumber('110105', '1949-12-31', '002'), false);
    // Applied by a family member for an elderly relative (代申领).
    await page.check('#f-for-other');
    await page.check('#sojourn-no');
    await page.check('#symptoms-no');
    await page.check('#contact-no');
    await page.click('#form-submit');
    await page.waitForSelector('#code-card');
    const proxy = await t.sql.query<{ proxy: boolean }>("SELECT proxy FROM hc_people WHERE phone = '13700000013'");
    expect(proxy[0]!.proxy).toBe(true);
    await page.goto(tokens.venueUrl!);
    await page.waitForSelector('#checkin-success');
    // The module unticks itself when the query fails.
    await authorise(page, '13700000013');
    await page.waitForSelector('#itinerary-card-link');
    expect(await page.textContent('#itinerary-error')).toContain('未查询到您的行程数据');
    expect(await page.getAttribute('#itinerary-card-link', 'href')).toBe(CARD_URL);
    await shot(page, 'checkin-fallback');
  });

  it('核验: staff verify an uploaded picture offline and reject forged, altered and expired codes', async () => {
    const page = await newPhone();
    await page.goto('/health/verify.html');
    await expect.poll(() => page.textContent('#key-status'), { timeout: 15_000 }).toContain('可离线核验');
    // Offline from here on: the key set is cached and the decoder (WebAssembly) loaded.
    await page.context().setOffline(true);
    // The picture of the live code taken in the second test.
    await page.setInputFiles('#verify-upload', tokens.greenPicture!);
    await page.waitForSelector('#verify-ok, #verify-reject');
    // The picture was taken when the code was fresh; it may have expired since (TTL 15 s).
    const fresh = await page.$('#verify-ok');
    if (fresh) {
      expect(await page.getAttribute('#verify-ok', 'data-colour')).toMatch(/green|yellow/);
      expect(await page.textContent('#verify-name')).toBe('**明');
    } else expect(await page.getAttribute('#verify-reject', 'data-reason')).toBe('expired');

    const ring = t.app.healthCode.keyring();
    const now = Date.now();
    const good = ring.sign({ t: 'P', exp: Math.floor(now / 1000) + 120, colour: 'g', name: '**明', ref: 'Pabc' }, now);
    const upload = async (text: string, name: string) => {
      const f = join(tmpdir(), `hc-${name}.png`);
      writeFileSync(f, await qrPng(text));
      await page.evaluate(() => document.getElementById('verify-result')!.replaceChildren());
      await page.setInputFiles('#verify-upload', f);
      await page.waitForSelector('#verify-ok, #verify-reject');
    };
    await upload(good, 'good');
    expect(await page.getAttribute('#verify-ok', 'data-colour')).toBe('green');
    expect(await page.textContent('#verify-fresh')).toContain('签名有效');
    await shot(page, 'verify-green');

    const [p, body, sig] = good.split('.');
    const arr = JSON.parse(Buffer.from(body!, 'base64url').toString());
    arr[4] = 'r';
    await upload(`${p}.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${sig}`, 'altered');
    expect(await page.getAttribute('#verify-reject', 'data-reason')).toBe('signature');

    const kid = ring.signingKey(now)!.kid;
    const forger = new Keyring([{ ...generateKeyRecord(now - 60_000), kid }]);
    await upload(
      forger.sign({ t: 'P', exp: Math.floor(now / 1000) + 120, colour: 'g', name: '**明', ref: 'Pabc' }, now),
      'forged',
    );
    expect(await page.getAttribute('#verify-reject', 'data-reason')).toBe('signature');
    await shot(page, 'verify-forged');

    await upload(
      ring.sign({ t: 'P', exp: Math.floor(now / 1000) - 1, colour: 'g', name: '**明', ref: 'Pabc' }, now),
      'expired',
    );
    expect(await page.getAttribute('#verify-reject', 'data-reason')).toBe('expired');
    expect(await page.textContent('#verify-reject')).toContain('已过期');
  });

  it('核验 with the camera (Chromium fake capture device showing a code)', async () => {
    const now = Date.now();
    const token = t.app.healthCode
      .keyring()
      .sign({ t: 'P', exp: Math.floor(now / 1000) + 300, colour: 'y', name: '*三', ref: 'Pcam' }, now);
    await t.withCameraPhone(token, async (ctx) => {
      const page = await ctx.newPage();
      await page.goto('/health/verify.html');
      await expect.poll(() => page.textContent('#key-status'), { timeout: 15_000 }).toContain('可离线核验');
      await page.click('#verify-camera');
      await page.waitForSelector('#verify-ok', { timeout: 20_000 });
      expect(await page.getAttribute('#verify-ok', 'data-colour')).toBe('yellow');
      expect(await page.textContent('#verify-name')).toBe('*三');
      await shot(page, 'verify-camera');
    });
  });
});

describe('扫码打卡 inside the app', () => {
  it('reads a posted venue code with the camera and checks in', async () => {
    // A holder who is already logged in on this phone (the login box is tested above).
    const person = (await t.sql.query<{ id: string }>("SELECT id FROM hc_people WHERE phone = '13800000011'"))[0]!.id;
    const { token: session } = await t.app.healthCode.auth.openSession({
      phone: '13800000011',
      personId: person,
      maskedName: '**明',
    });
    await t.withCameraPhone(tokens.venueUrl!, async (ctx) => {
      await ctx.addInitScript((token) => localStorage.setItem('health-code.token', token), session);
      const page = await ctx.newPage();
      await page.goto('/health/scan.html');
      await page.waitForSelector('#checkin-success', { timeout: 20_000 });
      expect(page.url()).toContain('/health/checkin.html?c=CT1.');
      expect(await page.textContent('#checkin-venue')).toBe('昌通核验码 · 红谷滩区丰和卡口');
      await shot(page, 'scan-checkin');
    });
  });

  it('退出登录: the title bar logs the phone out, and its token stops working at once', async () => {
    const page = await newPhone();
    await page.goto('/health/venue.html');
    await t.logIn(page, '13800000019');
    await page.waitForSelector('#venue-form');
    const token = await page.evaluate(() => localStorage.getItem('health-code.token'));
    expect(token).toBeTruthy();
    const asked = () => t.app.inject({ url: '/api/hc/v1/venues', headers: { authorization: `Bearer ${token}` } });
    expect((await asked()).statusCode).toBe(200);
    await page.click('#hc-logout');
    await page.waitForURL(/\/health\/index\.html$/);
    expect(await page.evaluate(() => localStorage.getItem('health-code.token'))).toBeNull();
    expect(await page.$('#hc-logout')).toBeNull();
    expect((await asked()).statusCode).toBe(401);
  });
});

describe('场所码 after its signing key is revoked', () => {
  it('the venue page says the poster must be replaced, until the owner confirms', async () => {
    const kid = JSON.parse(
      Buffer.from(new URL(tokens.venueUrl!).searchParams.get('c')!.split('.')[1]!, 'base64url').toString(),
    )[1];
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/hc/v1/admin/keys/${kid}/revoke`,
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(r.json()).toMatchObject({ revoked: true, venuesResigned: 1 });
    const page = await newPhone('13800000011');
    await page.goto('/health/venue.html');
    await t.logIn(page, '13800000011');
    const notice = page.locator('[id^=reprint-]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('旧海报扫码无法打卡');
    await shot(page, 'venue-reprint');
    // The poster offered now carries the new code.
    const card = page.locator('article.hc-venue').first();
    const [png] = await Promise.all([page.waitForEvent('download'), card.locator('[data-download=png]').click()]);
    const pngPath = join(tmpdir(), `hc-reprint-${png.suggestedFilename()}`);
    await png.saveAs(pngPath);
    expect(zbar(pngPath)).not.toBe(tokens.venueUrl);
    await page.click('[data-reprinted]');
    await notice.waitFor({ state: 'detached' });
    await page.reload();
    await card.waitFor();
    expect(await page.locator('[id^=reprint-]').count()).toBe(0);
  });
});

// Issue 22 item 19: last, after every flow above ran under the policy.
describe('security headers', () => {
  it('serves the pages with CSP, frame, sniffing and referrer headers, and no page broke the CSP', async () => {
    const page = await newPhone();
    expect(await securityHeaderProblems(page, '/health/index.html')).toEqual([]);
    expect(await inlineScriptRefused(page)).toBe(true);
    expect(cspViolations.filter((v) => !v.includes('inline script'))).toEqual([]);
  });
});
