// What a venue guard and a holder see, in Debian's Chromium at a phone viewport: the
// check-in result dominated by the holder's live colour (green, yellow, red), the edit
// form keeping 疫区旅居史 locked with the itinerary behind it, a skipped itinerary check
// shown on the code, to staff and at the check-in, the check-in of an unregistered
// holder resumed after the application, the ID number checked before the whole form,
// no itinerary link for a tampered venue code, and the seconds of the resend limit.
// With DOCS_IMG=1 the screenshots the README shows are written to docs/img.
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, NANCHANG, shot, startBrowserApp, WUHAN } from './browser-kit.ts';
import { ADMIN, idNumber } from './helpers.ts';

const DOCS_IMG = resolve(import.meta.dirname, '../../../docs/img');
const CARD_URL = 'http://127.0.0.1:9/itinerary-card/';

let t: BrowserApp;
let venueUrl: string;

beforeAll(async () => {
  t = await startBrowserApp({
    itineraries: {
      '13800000021': [NANCHANG],
      '13600000023': [NANCHANG],
      '13700000026': [NANCHANG],
      '13900000022': [NANCHANG, WUHAN],
      '13500000025': [NANCHANG, WUHAN],
    },
    config: { itineraryCardUrl: CARD_URL },
  });
  const v = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/venues',
    headers: { authorization: `Bearer ${await t.session('13800000021')}` },
    payload: { kind: 'checkpoint', name: '红谷滩区丰和卡口', address: '南昌市红谷滩区丰和中大道' },
  });
  expect(v.statusCode, v.body).toBe(201);
  venueUrl = v.json().checkinUrl;
});

afterAll(() => t?.close());

const registered = new Set<string>();

/** Registers a holder through the API (once), with an authorised itinerary check unless told otherwise. */
async function holder(msisdn: string, seq: string, over: { symptoms?: boolean; authorise?: boolean } = {}) {
  if (registered.has(msisdn)) return;
  registered.add(msisdn);
  await t.register(msisdn, seq, over);
}

/** A screenshot at CSS pixels for the README (docs/img, with DOCS_IMG=1) besides the test artifact. */
async function docShot(page: Page, name: string): Promise<void> {
  await shot(page, name);
  if (process.env.DOCS_IMG !== '1') return;
  await page.screenshot({ path: join(tmpdir(), `${name}.png`), scale: 'css', animations: 'disabled' });
  copyFileSync(join(tmpdir(), `${name}.png`), join(DOCS_IMG, `${name}.png`));
}

async function checkinCount(): Promise<number> {
  await t.app.healthCode.checkinWriter.drain();
  return (await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins'))[0]!.n;
}

describe('the check-in result shows the holder’s live colour', () => {
  const cases = [
    { msisdn: '13800000021', seq: '121', colour: 'green', zh: '绿码', reason: '未发现异常情况' },
    { msisdn: '13600000023', seq: '123', colour: 'yellow', zh: '黄码', reason: '发热', symptoms: true },
    { msisdn: '13900000022', seq: '122', colour: 'red', zh: '红码', reason: '湖北省武汉市' },
  ] as const;
  for (const c of cases) {
    it(`${c.colour}: a full-width colour block with the reason, the time, a ticking clock and an animation`, async () => {
      await holder(c.msisdn, c.seq, { symptoms: 'symptoms' in c });
      const page = await t.phoneOf(c.msisdn);
      await page.goto(venueUrl);
      const block = page.locator('#checkin-success');
      await block.waitFor();
      expect(await block.getAttribute('data-colour')).toBe(c.colour);
      expect(await page.textContent('#checkin-colour')).toBe(c.zh);
      expect(await page.textContent('#checkin-reasons')).toContain(c.reason);
      expect(await page.textContent('#checkin-venue')).toBe('昌通核验码 · 红谷滩区丰和卡口');
      // One date format across the product: the card's 2026.12.06.
      expect(await page.textContent('#checkin-time')).toMatch(/^打卡时间：\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$/);
      // Dominant: as wide as the page's content and most of the first screen.
      const box = (await block.boundingBox())!;
      expect(box.width).toBeGreaterThan(330);
      expect(box.height).toBeGreaterThan(740 * 0.45);
      const bg = await block.evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bg).toBe({ green: 'rgb(10, 125, 62)', yellow: 'rgb(242, 183, 5)', red: 'rgb(179, 38, 30)' }[c.colour]);
      if (c.colour !== 'green') expect(await page.textContent('#checkin-verdict')).not.toContain('打卡成功');
      // Live: the clock ticks and the sweep runs.
      const t0 = await page.textContent('#checkin-clock');
      expect(t0).toMatch(/^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$/);
      await expect.poll(() => page.textContent('#checkin-clock'), { timeout: 3000 }).not.toBe(t0);
      const running = await page.evaluate(
        () => document.getAnimations().filter((a) => a.playState === 'running').length,
      );
      expect(running).toBeGreaterThanOrEqual(2);
      await docShot(page, `checkin-${c.colour}`);
    });
  }
});

describe('the open check-in result follows the colour', () => {
  it('turns red within seconds when the office decides red while the page is open', async () => {
    await holder('13800000021', '121');
    const page = await t.phoneOf('13800000021');
    await page.clock.install();
    await page.goto(venueUrl);
    await page.waitForSelector('#checkin-success[data-colour="green"]');
    const d = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/admin/decisions',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { phone: '13800000021', colour: 'red', reason: '密切接触者' },
    });
    expect(d.statusCode, d.body).toBeLessThan(300);
    await page.clock.runFor(16_000);
    await expect.poll(() => page.getAttribute('#checkin-success', 'data-colour')).toBe('red');
    expect(await page.textContent('#checkin-reasons')).toContain('密切接触者');
    const back = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/admin/decisions',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { phone: '13800000021', colour: null, reason: '解除' },
    });
    expect(back.statusCode, back.body).toBeLessThan(300);
  });
});

describe('the check-in result in a storage outage', () => {
  it('shows a grey block saying the colour is unknown, never green', async () => {
    await holder('13800000021', '121');
    const page = await t.phoneOf('13800000021');
    // The answer the server gives while PostgreSQL is down (holder-colour.test.ts), and /me failing.
    await page.route('**/api/hc/v1/checkins', (route) =>
      route.fulfill({
        status: 201,
        contentType: 'application/json',
        body: JSON.stringify({
          venue: { id: 'K7Q2M4XP', kind: 'checkpoint', kindName: '昌通核验码', name: '红谷滩区丰和卡口' },
          at: new Date().toISOString(),
          maskedName: '**明',
          phone: '138****0021',
          colour: null,
          reasons: [],
          itineraryVerified: null,
        }),
      }),
    );
    await page.goto(venueUrl);
    await page.waitForSelector('#checkin-success');
    expect(await page.getAttribute('#checkin-success', 'data-colour')).toBe('unknown');
    expect(await page.textContent('#checkin-colour')).toBe('码色暂不可知');
    expect(await page.textContent('#checkin-verdict')).toContain('请出示“我的昌通码”核验');
    expect(await page.textContent('#checkin-success')).not.toContain('打卡成功');
    const bg = await page.locator('#checkin-success').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(78, 89, 105)');
    await shot(page, 'checkin-unknown');
  });
});

describe('修改信息 keeps the itinerary’s answer locked', () => {
  it('shows 疫区旅居史 locked to Yes with the places and the stored itinerary behind it', async () => {
    await holder('13900000022', '122');
    const page = await t.phoneOf('13900000022');
    await page.goto('/health/edit.html');
    await page.waitForSelector('#person-form');
    expect(await page.isChecked('#sojourn-yes')).toBe(true);
    expect(await page.isDisabled('#sojourn-no')).toBe(true);
    expect(await page.textContent('#sojourn-lock')).toContain('湖北省武汉市');
    expect(await page.textContent('#stored-itinerary-cities')).toContain('湖北省武汉市');
    expect(await page.textContent('#stored-itinerary-verdict')).toContain('疫区旅居史：是');
    expect(await page.textContent('#stored-itinerary')).toMatch(/统计时段：\d{4}\.\d{2}\.\d{2} 至 \d{4}\.\d{2}\.\d{2}/);
    await page.locator('#sojourn-field').scrollIntoViewIfNeeded();
    await docShot(page, 'edit-locked');
    // A newer authorised check (the itinerary moved on) decides alone and unlocks the answer.
    t.partner.answers.set('13900000022', { cities: [NANCHANG], countries: [] });
    await t.authorise(page, '13900000022');
    await expect.poll(() => page.textContent('#itinerary-verdict')).toBe('疫区旅居史：否');
    expect(await page.isHidden('#stored-itinerary')).toBe(true);
    expect(await page.isDisabled('#sojourn-no')).toBe(false);
    expect(await page.isChecked('#sojourn-no')).toBe(true);
    await page.click('#form-submit');
    await page.waitForSelector('#code-card');
    expect(await page.getAttribute('#code-card', 'data-colour')).toBe('green');
    t.partner.answers.set('13900000022', { cities: [NANCHANG, WUHAN], countries: [] });
  });
});

describe('a skipped itinerary check is visible (issue 22.9)', () => {
  it('on the code, to staff, and at the check-in, where authorising turns the block red', async () => {
    await holder('13500000025', '125', { authorise: false });
    const page = await t.phoneOf('13500000025');
    await page.goto('/health/code.html');
    await page.waitForSelector('#code-card');
    expect(await page.getAttribute('#code-card', 'data-colour')).toBe('green');
    expect(await page.textContent('#code-unverified')).toContain('行程未核验');
    await page.locator('#code-qr').screenshot({ path: join(tmpdir(), 'hc-unverified-qr.png') });

    const staff = await t.phoneOf();
    await staff.goto('/health/verify.html');
    await expect.poll(() => staff.textContent('#key-status'), { timeout: 15_000 }).toContain('可离线核验');
    await staff.setInputFiles('#verify-upload', join(tmpdir(), 'hc-unverified-qr.png'));
    await staff.waitForSelector('#verify-ok');
    expect(await staff.textContent('#verify-unverified')).toContain('行程未核验');
    await shot(staff, 'verify-unverified');

    await page.goto(venueUrl);
    await page.waitForSelector('#checkin-success');
    expect(await page.textContent('#checkin-unverified')).toContain('行程未核验');
    expect(await page.getAttribute('#checkin-success', 'data-colour')).toBe('green');
    await t.authorise(page, '13500000025');
    await expect.poll(() => page.getAttribute('#checkin-success', 'data-colour')).toBe('red');
    expect(await page.textContent('#checkin-reasons')).toContain('湖北省武汉市');
    expect(await page.$('#checkin-unverified')).toBeNull();
  });
});

describe('扫码打卡 for someone without a code', () => {
  it('checks the ID number early and resumes the check-in after the application', async () => {
    await holder('13600000027', '127', { authorise: false });
    const before = await checkinCount();
    const page = await t.phoneOf();
    await page.goto(venueUrl);
    await page.fill('#login-phone', '13700000026');
    await page.click('#login-send');
    await expect.poll(() => t.sms.list('13700000026').length).toBeGreaterThan(0);
    await page.fill('#login-code', t.sms.lastCode('13700000026'));
    await page.click('#login-submit');
    await page.click('#go-register');
    await page.waitForSelector('#person-form');
    // An ID number that holds a code already: said on leaving the field, not after the form.
    await page.fill('#f-id', idNumber('360102', '1990-01-01', '127'));
    await page.fill('#f-name', '钱七');
    await expect.poll(() => page.textContent('#f-id-hint')).toContain('已申领');
    await page.fill('#f-id', idNumber('360102', '1990-01-01', '126'));
    await page.fill('#f-address', '南昌市东湖区八一大道1号');
    expect(await page.textContent('#itinerary-skip-note')).toContain('行程未核验');
    await expect.poll(() => page.textContent('#f-id-hint')).toBe('');
    await t.authorise(page, '13700000026');
    await expect.poll(() => page.textContent('#itinerary-verdict')).toBe('疫区旅居史：否');
    expect(await page.textContent('#itinerary-module')).toMatch(/统计时段：\d{4}\.\d{2}\.\d{2}/);
    await page.check('#symptoms-no');
    await page.check('#contact-no');
    await page.click('#form-submit');
    await page.waitForSelector('#checkin-success');
    expect(page.url()).toContain('/health/checkin.html?c=CT1.');
    expect(await page.getAttribute('#checkin-success', 'data-colour')).toBe('green');
    expect(await checkinCount()).toBe(before + 1);
  });
});

describe('errors on the check-in and login pages', () => {
  it('a tampered venue code says so, without a link to the itinerary card', async () => {
    await holder('13800000021', '121');
    const page = await t.phoneOf('13800000021');
    const [p, body, sig] = new URL(venueUrl).searchParams.get('c')!.split('.');
    const arr = JSON.parse(Buffer.from(body!, 'base64url').toString());
    arr[4] = '伪造的卡口';
    await page.goto(`/health/checkin.html?c=${p}.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${sig}`);
    await page.waitForSelector('.hc-error');
    expect(await page.textContent('.hc-error')).toContain('无效的场所码');
    expect(await page.$('#itinerary-card-link')).toBeNull();
    expect(await page.$(`a[href="${CARD_URL}"]`)).toBeNull();
  });

  it('the resend limit gives its seconds, in the message and on the button', async () => {
    const page = await t.phoneOf();
    await page.goto('/health/code.html');
    await page.fill('#login-phone', '13700000029');
    // A code was just sent to this number from elsewhere.
    const r = await t.app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone: '13700000029' } });
    expect(r.statusCode).toBe(200);
    await page.click('#login-send');
    await expect.poll(() => page.textContent('#login-error')).toMatch(/请\d+秒后再试/);
    expect(await page.textContent('#login-send')).toMatch(/^\d+秒后重发$/);
    expect(await page.isDisabled('#login-send')).toBe(true);
  });
});
