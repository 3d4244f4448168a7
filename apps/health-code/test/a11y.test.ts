// Accessibility of the health-code pages in Chromium: no serious or critical
// axe-core violation on any page, and the personal code (我的昌通码) readable
// with the phone's font at 200 % and in 长辈模式 (large text), at 320 and 390 px.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beijingDate, beijingDayStart, systemClock } from '@itinerary-card/domain';
import { freePort, MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { launch, shot, webDist } from './browser-kit.ts';
import { type FakePartner, fakePartner } from './fake-partner.ts';
import { idNumber, TestOutbox, testConfig } from './helpers.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const HOLDER = '13800000021';

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
  partner.answers.set(HOLDER, { cities: [['360100', '江西省', '南昌市']], countries: [] });
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
  browser = await launch();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await kv?.close();
  await sql?.close();
});

async function phone(width = 360, elder = false): Promise<Page> {
  const ctx = await browser.newContext({
    baseURL: base,
    viewport: { width, height: width === 320 ? 568 : width === 390 ? 844 : 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  contexts.push(ctx);
  if (elder) await ctx.addInitScript(() => localStorage.setItem('itinerary-card.elder', '1'));
  return ctx.newPage();
}

async function serious(page: Page): Promise<string[]> {
  await page.evaluate(AXE); // through DevTools, not a <script> tag the CSP refuses
  return page.evaluate(async () => {
    type Result = { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
    const r = await (window as unknown as { axe: { run(): Promise<Result> } }).axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
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
      const ctx = await browser.newContext({
        baseURL: base,
        storageState: state,
        viewport: { width, height: width === 320 ? 568 : 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
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
