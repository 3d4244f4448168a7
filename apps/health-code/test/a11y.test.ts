// Accessibility of the health-code pages in Chromium: no serious or critical
// axe-core violation on any page, and the personal code (我的昌通码) readable
// with the phone's font at 200 % and in 长辈模式 (large text), at 320 and 390 px.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seriousViolations as serious, textContrastFailures } from '@itinerary-card/web/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, NANCHANG, qrPng, shot, startBrowserApp, WUHAN } from './browser-kit.ts';
import { idNumber } from './helpers.ts';

const HOLDER = '13800000021';
/** Holders registered through the API for the pages' other states: a code of each colour, one unchecked. */
const GREEN = '13800000031';
const YELLOW = '13600000033';
const RED = '13900000032';
const UNCHECKED = '13500000035';
/** Logged in, never applied: the check-in page sends them to apply. */
const UNREGISTERED = '13700000037';
/** Comes to the register page through the browser with an epidemic-area itinerary. */
const NEWCOMER = '13900000036';

let t: BrowserApp;

beforeAll(async () => {
  t = await startBrowserApp({
    itineraries: {
      [HOLDER]: [NANCHANG],
      [GREEN]: [NANCHANG],
      [YELLOW]: [NANCHANG],
      [UNCHECKED]: [NANCHANG],
      [RED]: [NANCHANG, WUHAN],
      [NEWCOMER]: [NANCHANG, WUHAN],
    },
    config: { itineraryCardUrl: 'http://127.0.0.1:9/' },
  });
});

afterAll(() => t?.close());

let registered: Page | undefined;
/** The holder's phone with a green code (registered once, through the page). */
async function holder(): Promise<Page> {
  if (registered) return registered;
  const page = await t.phoneOf();
  await page.goto('/health/register.html');
  await t.logIn(page, HOLDER);
  await page.waitForSelector('#person-form');
  await page.fill('#f-name', '陈小华');
  await page.fill('#f-id', idNumber('360102', '1950-03-04', '271'));
  await page.fill('#f-address', '南昌市东湖区八一大道1号');
  // The owner's proof: the code the platform texted (the partner double keeps it).
  await t.authorise(page, HOLDER);
  await expect.poll(() => page.textContent('#itinerary-verdict')).toBe('疫区旅居史：否');
  await page.check('#symptoms-no');
  await page.check('#contact-no');
  await page.click('#form-submit');
  await page.waitForSelector('#code-card');
  registered = page;
  return page;
}

describe('health-code pages and axe-core', () => {
  it('serves the site icon, so no page of it meets a 404 for /favicon.ico', async () => {
    const r = await fetch(`${t.base}/favicon.ico`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/x-icon');
  });

  it('no serious or critical violation on the home, login, register, code, edit, venue, scan and verify pages', async () => {
    const anon = await t.phoneOf();
    const found: Record<string, string[]> = {};
    for (const path of ['index.html', 'code.html', 'scan.html', 'verify.html']) {
      await anon.goto(`/health/${path}`);
      await anon.waitForLoadState('networkidle');
      found[`anonymous ${path}`] = await serious(anon);
    }
    const page = await holder();
    found['code (green)'] = await serious(page);
    for (const [path, ready] of [
      ['edit.html', '#person-form'],
      ['venue.html', '#venue-form'],
      ['register.html', '#hc-main, main'],
    ] as const) {
      await page.goto(`/health/${path}`);
      await page.waitForSelector(ready);
      await page.waitForLoadState('networkidle');
      found[path] = await serious(page);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });
});

/** Waits for what the page shows and its requests, then asks axe-core and checks the contrast of every text. */
async function check(found: Record<string, string[]>, name: string, page: Page, ready: string): Promise<void> {
  await page.waitForSelector(ready);
  await page.waitForLoadState('networkidle');
  found[name] = [...(await serious(page)), ...(await textContrastFailures(page)).map((t) => `contrast ${t}`)];
}

const none = (found: Record<string, string[]>) => Object.fromEntries(Object.keys(found).map((k) => [k, []]));

// Several pages each, on a busy two-core machine: bounded, with room above the default minute.
describe('every other state of the health-code pages and axe-core', { timeout: 150_000 }, () => {
  let venueUrl: string;
  beforeAll(async () => {
    await t.register(GREEN, '131');
    await t.register(YELLOW, '133', { symptoms: true });
    await t.register(RED, '132');
    await t.register(UNCHECKED, '135', { authorise: false });
    const v = await t.app.inject({
      method: 'POST',
      url: '/api/hc/v1/venues',
      headers: { authorization: `Bearer ${await t.session(GREEN)}` },
      payload: { kind: 'checkpoint', name: '红谷滩区丰和卡口', address: '南昌市红谷滩区丰和中大道' },
    });
    expect(v.statusCode, v.body).toBe(201);
    venueUrl = v.json().checkinUrl;
  });

  it('the check-in page: login, the green, yellow and red results, an unchecked itinerary, a tampered code', async () => {
    const found: Record<string, string[]> = {};
    const anon = await t.phoneOf();
    await anon.goto(venueUrl);
    await check(found, 'check-in, logged out', anon, '#login-phone');
    for (const [msisdn, colour] of [
      [GREEN, 'green'],
      [YELLOW, 'yellow'],
      [RED, 'red'],
    ] as const) {
      const page = await t.phoneOf(msisdn);
      await page.goto(venueUrl);
      await check(found, `check-in ${colour}`, page, `#checkin-success[data-colour="${colour}"]`);
    }
    const unchecked = await t.phoneOf(UNCHECKED);
    await unchecked.goto(venueUrl);
    await check(found, 'check-in, itinerary unchecked', unchecked, '#checkin-unverified');
    await unchecked.check('#itinerary-authorise');
    await check(found, 'check-in, itinerary code step', unchecked, '#itinerary-code');
    const [p, body, sig] = new URL(venueUrl).searchParams.get('c')!.split('.');
    const arr = JSON.parse(Buffer.from(body!, 'base64url').toString());
    arr[4] = '伪造的卡口';
    const tampered = await t.phoneOf(GREEN);
    await tampered.goto(`/health/checkin.html?c=${p}.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${sig}`);
    await check(found, 'check-in, tampered venue code', tampered, '.hc-error');
    expect(found).toEqual(none(found));
  });

  it('register: the ID already registered, the itinerary steps, the answer locked, unanswered questions', async () => {
    const found: Record<string, string[]> = {};
    const page = await t.phoneOf(NEWCOMER);
    await page.goto('/health/register.html');
    await check(found, 'register, empty form', page, '#person-form');
    await page.fill('#f-id', idNumber('360102', '1990-01-01', '131')); // holds a code already
    await page.fill('#f-name', '钱七');
    await expect.poll(() => page.textContent('#f-id-hint')).toContain('已申领');
    found['register, ID already registered'] = await serious(page);
    await page.check('#itinerary-authorise');
    await check(found, 'register, itinerary code step', page, '#itinerary-code');
    await page.fill('#itinerary-code', t.partner.lastGrantCode(NEWCOMER));
    await page.click('#itinerary-confirm');
    await expect.poll(() => page.textContent('#itinerary-verdict')).toContain('疫区旅居史：是');
    found['register, answer locked'] = await serious(page);
    await page.click('#form-submit'); // the other questions unanswered: the form says so
    await check(found, 'register, unanswered questions', page, '[aria-invalid="true"], .hc-error:not(:empty)');
    expect(found).toEqual(none(found));
  });

  it('check-in by a number without a code: the way to apply', async () => {
    const found: Record<string, string[]> = {};
    const page = await t.phoneOf(UNREGISTERED);
    await page.goto(venueUrl);
    await check(found, 'check-in, not registered', page, '#go-register');
    expect(found).toEqual(none(found));
  });

  it('edit with the answer locked and the stored itinerary behind it', async () => {
    const found: Record<string, string[]> = {};
    const red = await t.phoneOf(RED);
    await red.goto('/health/edit.html');
    await check(found, 'edit, answer locked with the stored itinerary', red, '#stored-itinerary');
    expect(found).toEqual(none(found));
  });

  it('the red, yellow and unchecked codes', async () => {
    const found: Record<string, string[]> = {};
    for (const [msisdn, name, ready] of [
      [RED, 'code red', '#code-card[data-colour="red"]'],
      [YELLOW, 'code yellow', '#code-card[data-colour="yellow"]'],
      [UNCHECKED, 'code, itinerary unchecked', '#code-unverified'],
    ] as const) {
      const page = await t.phoneOf(msisdn);
      await page.goto('/health/code.html');
      await check(found, name, page, ready);
    }
    expect(found).toEqual(none(found));
  });

  it('venues with a poster, home and scan logged in', async () => {
    const found: Record<string, string[]> = {};
    const owner = await t.phoneOf(GREEN);
    await owner.goto('/health/venue.html');
    await check(found, 'venues with a poster', owner, '#venue-list img.hc-poster');
    await owner.goto('/health/index.html');
    await check(found, 'home, logged in', owner, 'main');
    await owner.goto('/health/scan.html');
    await check(found, 'scan, logged in', owner, '#scan-upload');
    expect(found).toEqual(none(found));
  });

  it('staff verifying a valid and a rejected code, and a login error', async () => {
    const found: Record<string, string[]> = {};
    const owner = await t.phoneOf(GREEN);
    await owner.goto('/health/code.html');
    await owner.waitForSelector('#code-card');
    await owner.locator('#code-qr').screenshot({ path: join(tmpdir(), 'hc-a11y-code.png') });
    const staff = await t.phoneOf();
    await staff.goto('/health/verify.html');
    await expect.poll(() => staff.textContent('#key-status'), { timeout: 15_000 }).toContain('可离线核验');
    await staff.setInputFiles('#verify-upload', join(tmpdir(), 'hc-a11y-code.png'));
    await check(found, 'verify, a valid code', staff, '#verify-ok');
    await staff.setInputFiles('#verify-upload', {
      name: 'fake.png',
      mimeType: 'image/png',
      buffer: await qrPng('CT1.bm90IGEgY29kZQ.c2ln'),
    });
    await check(found, 'verify, a rejected code', staff, '#verify-reject');
    const login = await t.phoneOf();
    await login.goto('/health/code.html');
    await login.fill('#login-phone', '12345');
    await login.click('#login-send');
    await check(found, 'login, a wrong number', login, '#login-error:not(:empty)');
    expect(found).toEqual(none(found));
  });
});

describe('my code with large text', () => {
  it('works with the phone’s font at 200 %: the text doubles, the code stays whole on the screen', async () => {
    const page = await holder();
    await page.goto('/health/code.html');
    await page.waitForSelector('#code-card');
    const size = () => page.locator('#code-colour').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    const before = await size();
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '200%';
    });
    expect(await size()).toBeCloseTo(before * 2, 0);
    const fits = await page.evaluate(() => {
      const qr = document.getElementById('code-qr')!.getBoundingClientRect();
      return document.documentElement.scrollWidth <= innerWidth && qr.left >= 0 && qr.right <= innerWidth;
    });
    expect(fits).toBe(true);
    await shot(page, 'a11y-code-font-200');
  });

  for (const width of [320, 390]) {
    it(`${width} px: 长辈模式 enlarges the code page, and axe-core still finds nothing serious`, async () => {
      const owner = await holder();
      const state = await owner.context().storageState();
      const page = await (await t.phone({ storageState: state, width })).newPage();
      await page.goto('/health/code.html');
      await page.waitForSelector('#code-card');
      const size = () => page.locator('#code-colour').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
      const normal = await size();
      await shot(page, `a11y-code-${width}`);
      const toggle = page.getByRole('button', { name: '长辈模式' });
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      await toggle.click();
      expect(await size()).toBeGreaterThanOrEqual(normal * 1.3);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
      expect(await serious(page)).toEqual([]);
      await shot(page, `a11y-code-${width}-elder`);
      await page.getByRole('button', { name: '标准模式' }).click();
    });
  }
});
