// Accessibility of the health-code pages in Chromium: no serious or critical
// axe-core violation on any page, and the personal code (我的昌通码) readable
// with the phone's font at 200 % and in 长辈模式 (large text), at 320 and 390 px.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beijingDate, beijingDayStart, systemClock } from '@itinerary-card/domain';
import { MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import { freePort } from '@itinerary-card/store/testing';
import {
  launchChromium,
  newPhone,
  seriousViolations as serious,
  textContrastFailures,
} from '@itinerary-card/web/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { qrPng, shot, webDist } from './browser-kit.ts';
import { type FakePartner, fakePartner } from './fake-partner.ts';
import { ADMIN, checkItinerary, idNumber, TestOutbox, testConfig } from './helpers.ts';

const HOLDER = '13800000021';
const NANCHANG: [string, string, string] = ['360100', '江西省', '南昌市'];
const WUHAN: [string, string, string] = ['420100', '湖北省', '武汉市'];
/** Holders registered through the API for the pages' other states: a code of each colour, one unchecked. */
const GREEN = '13800000031';
const YELLOW = '13600000033';
const RED = '13900000032';
const UNCHECKED = '13500000035';
/** Logged in, never applied: the check-in page sends them to apply. */
const UNREGISTERED = '13700000037';
/** Comes to the register page through the browser with an epidemic-area itinerary. */
const NEWCOMER = '13900000036';

let partner: FakePartner;
let app: FastifyInstance;
let sql: Sql;
let kv: MemoryKeyValue;
let base: string;
let browser: Browser;
const sms = new TestOutbox();
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const dist = await webDist();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  sql = await openPgliteSql();
  kv = new MemoryKeyValue();
  partner = fakePartner(beijingDayStart(beijingDate(Date.now())));
  partner.answers.set(HOLDER, { cities: [NANCHANG], countries: [] });
  for (const p of [GREEN, YELLOW, UNCHECKED]) partner.answers.set(p, { cities: [NANCHANG], countries: [] });
  for (const p of [RED, NEWCOMER]) partner.answers.set(p, { cities: [NANCHANG, WUHAN], countries: [] });
  app = await buildHealthCode({
    sql,
    kv,
    clock: systemClock,
    sms,
    partner,
    config: testConfig({ publicUrl: base, itineraryCardUrl: 'http://127.0.0.1:9/', webDist: dist }),
    timers: false,
  });
  await app.listen({ host: '127.0.0.1', port });
  const r = await app.inject({
    method: 'POST',
    url: '/api/hc/v1/admin/epidemic-areas',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { scope: 'province', code: '420000', from: '2020-01-01' },
  });
  expect(r.statusCode, r.body).toBe(201);
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await kv?.close();
  await sql?.close();
});

async function phone(width = 360, elder = false): Promise<Page> {
  const ctx = await newPhone(browser, { baseURL: base, width });
  contexts.push(ctx);
  if (elder) await ctx.addInitScript(() => localStorage.setItem('itinerary-card.elder', '1'));
  return ctx.newPage();
}

/** Logs in with the SMS code when the page asks for it. */
async function logIn(page: Page): Promise<void> {
  const first = await page.waitForSelector('#login-phone, #person-form, #code-card', { timeout: 10_000 });
  if ((await first.getAttribute('id')) !== 'login-phone') return;
  await page.fill('#login-phone', HOLDER);
  await page.click('#login-send');
  await expect.poll(() => sms.list(HOLDER).length).toBeGreaterThan(0);
  await page.fill('#login-code', sms.lastCode(HOLDER));
  await page.click('#login-submit');
}

let registered: Page | undefined;
/** The holder's phone with a green code (registered once, through the page). */
async function holder(): Promise<Page> {
  if (registered) return registered;
  const page = await phone();
  await page.goto('/health/register.html');
  await logIn(page);
  await page.waitForSelector('#person-form');
  await page.fill('#f-name', '陈小华');
  await page.fill('#f-id', idNumber('360102', '1950-03-04', '271'));
  await page.fill('#f-address', '南昌市东湖区八一大道1号');
  // The owner's proof: the code the platform texted (the partner double keeps it).
  await page.check('#itinerary-authorise');
  await page.waitForSelector('#itinerary-code');
  await page.fill('#itinerary-code', partner.lastGrantCode(HOLDER));
  await page.click('#itinerary-confirm');
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
    const r = await fetch(`${base}/favicon.ico`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/x-icon');
  });

  it('no serious or critical violation on the home, login, register, code, edit, venue, scan and verify pages', async () => {
    const anon = await phone();
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

const tokens = new Map<string, string>();

/** A session token for a number, through the SMS code (one per number). */
async function token(msisdn: string): Promise<string> {
  const known = tokens.get(msisdn);
  if (known) return known;
  const s = await app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone: msisdn } });
  expect(s.statusCode, s.body).toBe(200);
  const l = await app.inject({
    method: 'POST',
    url: '/api/hc/v1/login',
    payload: { phone: msisdn, code: sms.lastCode(msisdn) },
  });
  expect(l.statusCode, l.body).toBe(200);
  tokens.set(msisdn, l.json().token);
  return l.json().token;
}

/** Registers a holder through the API, with an authorised itinerary check unless told otherwise. */
async function register(msisdn: string, seq: string, over: { symptoms?: boolean; authorise?: boolean } = {}) {
  const authorization = `Bearer ${await token(msisdn)}`;
  let itineraryCheckId: string | undefined;
  if (over.authorise !== false) {
    const c = await checkItinerary(app, partner, { authorization }, 'register');
    expect(c.statusCode, c.body).toBe(200);
    itineraryCheckId = c.json().checkId;
  }
  const r = await app.inject({
    method: 'POST',
    url: '/api/hc/v1/registrations',
    headers: { authorization },
    payload: {
      name: '王小明',
      idNumber: idNumber('360102', '1990-01-01', seq),
      address: '南昌市红谷滩区丰和中大道1号',
      epidemicSojourn: false,
      symptoms: over.symptoms ?? false,
      closeContact: false,
      ...(itineraryCheckId ? { itineraryCheckId } : {}),
    },
  });
  expect(r.statusCode, r.body).toBe(201);
}

/** A phone logged in as `msisdn` (the page's stored token), or not logged in. */
async function phoneOf(msisdn?: string): Promise<Page> {
  const page = await phone();
  if (msisdn)
    await page.context().addInitScript((t) => localStorage.setItem('health-code.token', t), await token(msisdn));
  return page;
}

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
    await register(GREEN, '131');
    await register(YELLOW, '133', { symptoms: true });
    await register(RED, '132');
    await register(UNCHECKED, '135', { authorise: false });
    const v = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/venues',
      headers: { authorization: `Bearer ${await token(GREEN)}` },
      payload: { kind: 'checkpoint', name: '红谷滩区丰和卡口', address: '南昌市红谷滩区丰和中大道' },
    });
    expect(v.statusCode, v.body).toBe(201);
    venueUrl = v.json().checkinUrl;
  });

  it('the check-in page: login, the green, yellow and red results, an unchecked itinerary, a tampered code', async () => {
    const found: Record<string, string[]> = {};
    const anon = await phoneOf();
    await anon.goto(venueUrl);
    await check(found, 'check-in, logged out', anon, '#login-phone');
    for (const [msisdn, colour] of [
      [GREEN, 'green'],
      [YELLOW, 'yellow'],
      [RED, 'red'],
    ] as const) {
      const page = await phoneOf(msisdn);
      await page.goto(venueUrl);
      await check(found, `check-in ${colour}`, page, `#checkin-success[data-colour="${colour}"]`);
    }
    const unchecked = await phoneOf(UNCHECKED);
    await unchecked.goto(venueUrl);
    await check(found, 'check-in, itinerary unchecked', unchecked, '#checkin-unverified');
    await unchecked.check('#itinerary-authorise');
    await check(found, 'check-in, itinerary code step', unchecked, '#itinerary-code');
    const [p, body, sig] = new URL(venueUrl).searchParams.get('c')!.split('.');
    const arr = JSON.parse(Buffer.from(body!, 'base64url').toString());
    arr[4] = '伪造的卡口';
    const tampered = await phoneOf(GREEN);
    await tampered.goto(`/health/checkin.html?c=${p}.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${sig}`);
    await check(found, 'check-in, tampered venue code', tampered, '.hc-error');
    expect(found).toEqual(none(found));
  });

  it('register: the ID already registered, the itinerary steps, the answer locked, unanswered questions', async () => {
    const found: Record<string, string[]> = {};
    const page = await phoneOf(NEWCOMER);
    await page.goto('/health/register.html');
    await check(found, 'register, empty form', page, '#person-form');
    await page.fill('#f-id', idNumber('360102', '1990-01-01', '131')); // holds a code already
    await page.fill('#f-name', '钱七');
    await expect.poll(() => page.textContent('#f-id-hint')).toContain('已申领');
    found['register, ID already registered'] = await serious(page);
    await page.check('#itinerary-authorise');
    await check(found, 'register, itinerary code step', page, '#itinerary-code');
    await page.fill('#itinerary-code', partner.lastGrantCode(NEWCOMER));
    await page.click('#itinerary-confirm');
    await expect.poll(() => page.textContent('#itinerary-verdict')).toContain('疫区旅居史：是');
    found['register, answer locked'] = await serious(page);
    await page.click('#form-submit'); // the other questions unanswered: the form says so
    await check(found, 'register, unanswered questions', page, '[aria-invalid="true"], .hc-error:not(:empty)');
    expect(found).toEqual(none(found));
  });

  it('check-in by a number without a code: the way to apply', async () => {
    const found: Record<string, string[]> = {};
    const page = await phoneOf(UNREGISTERED);
    await page.goto(venueUrl);
    await check(found, 'check-in, not registered', page, '#go-register');
    expect(found).toEqual(none(found));
  });

  it('edit with the answer locked and the stored itinerary behind it', async () => {
    const found: Record<string, string[]> = {};
    const red = await phoneOf(RED);
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
      const page = await phoneOf(msisdn);
      await page.goto('/health/code.html');
      await check(found, name, page, ready);
    }
    expect(found).toEqual(none(found));
  });

  it('venues with a poster, home and scan logged in', async () => {
    const found: Record<string, string[]> = {};
    const owner = await phoneOf(GREEN);
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
    const owner = await phoneOf(GREEN);
    await owner.goto('/health/code.html');
    await owner.waitForSelector('#code-card');
    await owner.locator('#code-qr').screenshot({ path: join(tmpdir(), 'hc-a11y-code.png') });
    const staff = await phoneOf();
    await staff.goto('/health/verify.html');
    await expect.poll(() => staff.textContent('#key-status')).toContain('可离线核验');
    await staff.setInputFiles('#verify-upload', join(tmpdir(), 'hc-a11y-code.png'));
    await check(found, 'verify, a valid code', staff, '#verify-ok');
    await staff.setInputFiles('#verify-upload', {
      name: 'fake.png',
      mimeType: 'image/png',
      buffer: await qrPng('CT1.bm90IGEgY29kZQ.c2ln'),
    });
    await check(found, 'verify, a rejected code', staff, '#verify-reject');
    const login = await phoneOf();
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
      const ctx = await newPhone(browser, { baseURL: base, storageState: state, width });
      contexts.push(ctx);
      const page = await ctx.newPage();
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
