// The demo's health-code system across a restart, and its epidemic areas on both
// sides: the card marks (*) the epidemic-area visitor's city that the health code
// turns red, the table says which one; a holder, a venue and a check-in made before
// a stop are there after the next start, and the poster printed before it still works.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allRegions, regionByCode, regionNameEn } from '@itinerary-card/domain';
import { simulate } from '@itinerary-card/simulator';
import { openPgliteSql } from '@itinerary-card/store';
import { freePortRun } from '@itinerary-card/store/testing';
import { launchChromium, newPhone } from '@itinerary-card/web/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTS, type RunningDemo, startDemo } from '../src/demo/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-health-test-'));
const NOW = Date.parse('2022-09-08T10:00:00+08:00');
let demo: RunningDemo | undefined;
let input: string;
let port: number;

async function start(now = NOW): Promise<{ demo: RunningDemo; printed: string }> {
  let printed = '';
  const d = await startDemo(
    { input, subscribers: 400, now, port, host: '127.0.0.1', seed: 1, workDir: join(dir, 'work') },
    (s) => {
      printed += s;
    },
  );
  return { demo: d, printed };
}

const post = async (url: string, body: unknown, token?: string) => {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};

async function hcLogin(hc: string, phone: string): Promise<string> {
  expect((await post(`${hc}/api/hc/v1/sms-code`, { phone })).status).toBe(200);
  const outbox = (await (await fetch(`${hc}/dev/outbox?phone=${phone}`)).json()) as Array<{ text: string }>;
  const code = /验证码是(\d{6})/.exec(outbox.at(-1)!.text)![1];
  const r = await post(`${hc}/api/hc/v1/login`, { phone, code });
  expect(r.status).toBe(200);
  return r.body.token;
}

let printed = '';
let visitor = '';

beforeAll(async () => {
  const world = await simulate({ out: join(dir, 'world'), subscribers: 400, days: 8, endDate: '2022-09-07', seed: 11 });
  input = world.inputDir;
  port = await freePortRun(DEMO_PORTS);
  ({ demo, printed } = await start());
  visitor = /^ {4}(1\d{10}) {2}\w+ {2}epidemic-area visitor \([^)]*, card \*\)/m.exec(printed)?.[1] ?? '';
}, 300_000);

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo seeds the same epidemic areas on both sides', () => {
  it('the table names the epidemic-area visitor whose card shows *, and the card page marks that city', async () => {
    expect(visitor, printed).toMatch(/^1\d{10}$/);
    const line = printed.split('\n').find((l) => l.includes(visitor))!;
    // The table names cities in English; the card page in Chinese.
    const markedEn = /([^,;]+)\*/.exec(line.split(/ {2,}/).at(-1)!)?.[1]?.trim();
    expect(markedEn, line).toBeDefined();
    const code = [...allRegions().keys()].find((c) => regionNameEn(c)?.city === markedEn);
    const marked = code && regionByCode(code)?.city;
    expect(marked, markedEn).toBeDefined();
    expect(printed).toMatch(/Risk areas of the platform: the same \d+ cities of .+; the card marks them with \*/);
    // The card page, logged in as that number on a phone whose clock is the real one (years after the
    // demo's --now), marks the same city.
    const browser = await launchChromium();
    try {
      const ctx = await newPhone(browser);
      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const base = demo!.urls.card.replace(/\/$/, '');
      await page.goto(`${base}/`);
      await page.getByLabel('手机号码').fill(visitor);
      await page.getByRole('button', { name: '获取验证码' }).click();
      await expect.poll(() => page.locator('#get-code').textContent()).toMatch(/秒后重新获取/);
      const outbox = (await (await fetch(`${base}/dev/outbox?phone=${visitor}`)).json()) as Array<{ text: string }>;
      await page.getByLabel('验证码', { exact: true }).fill(/(\d{6})/.exec(outbox.at(-1)!.text)![1]!);
      await page.getByLabel('同意并授权运营商查询本人在疫情期间7天内到访地信息').check();
      await page.getByRole('button', { name: '查询', exact: true }).click();
      await page
        .locator('#risk-footnote')
        .waitFor()
        .catch(async (e) => {
          throw new Error(
            `no risk footnote; the page says: ${(await page.locator('body').textContent())?.slice(0, 400)}`,
            {
              cause: e,
            },
          );
        });
      expect(await page.locator('#places').textContent()).toMatch(new RegExp(`${marked}\\*`));
      expect(pageErrors).toEqual([]);
      const out = resolve(import.meta.dirname, '../../../packages/web/test-artifacts');
      mkdirSync(out, { recursive: true });
      await page.screenshot({ path: join(out, 'demo-card-risk.png'), scale: 'css', animations: 'disabled' });
      if (process.env.DOCS_IMG === '1')
        copyFileSync(join(out, 'demo-card-risk.png'), resolve(import.meta.dirname, '../../../docs/img/card-risk.png'));
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe('the demo keeps its health-code system across a restart', () => {
  it('holders, venues and check-ins survive, and the poster printed before still checks in', async () => {
    const hc = demo!.urls.healthCode.replace(/\/health\/$/, '');
    const token = await hcLogin(hc, visitor);
    // The owner's proof: the platform texts a code naming the health-code system, the check carries it.
    const sent = await post(`${hc}/api/hc/v1/itinerary-checks/sms-code`, { purpose: 'register' }, token);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const base = demo!.urls.card.replace(/\/$/, '');
    const texts = (await (await fetch(`${base}/dev/outbox?phone=${visitor}`)).json()) as Array<{ text: string }>;
    const smsCode = /(\d{6})/.exec(texts.at(-1)!.text)![1]!;
    const check = await post(
      `${hc}/api/hc/v1/itinerary-checks`,
      { authorised: true, purpose: 'register', requestId: sent.body.requestId, smsCode },
      token,
    );
    expect(check.status).toBe(200);
    expect(check.body.epidemicSojourn).toBe(true);
    const reg = await post(
      `${hc}/api/hc/v1/registrations`,
      {
        name: '王小明',
        idNumber: '36010219900101123X',
        address: '南昌市红谷滩区丰和中大道1号',
        epidemicSojourn: true,
        symptoms: false,
        closeContact: false,
        itineraryCheckId: check.body.checkId,
      },
      token,
    );
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    expect(reg.body.colour).toBe('red');
    const venue = await post(
      `${hc}/api/hc/v1/venues`,
      { kind: 'unit', name: '南昌市第一人民医院', address: '南昌市东湖区象山北路128号' },
      token,
    );
    expect(venue.status).toBe(201);
    const poster: string = venue.body.checkinUrl;
    const first = await post(`${hc}/api/hc/v1/checkins`, { code: poster }, token);
    expect(first.status).toBe(201);
    expect(first.body.colour).toBe('red');

    await demo!.close();
    demo = undefined;
    // Started again an hour later the same day (the same --now would set the clock back before
    // what the first run signed).
    const again = await start(NOW + 3_600_000);
    demo = again.demo;
    expect(again.printed).toContain('prepared world reused');

    // Sessions are in memory: log in again; the registration, the venue and the keys are kept.
    const token2 = await hcLogin(hc, visitor);
    const me = await fetch(`${hc}/api/hc/v1/me`, { headers: { authorization: `Bearer ${token2}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { colour: string }).colour).toBe('red');
    const verified = await post(`${hc}/api/hc/v1/verify`, { code: poster });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, type: 'venue', name: '南昌市第一人民医院' });
    const venues = await fetch(`${hc}/api/hc/v1/venues`, { headers: { authorization: `Bearer ${token2}` } });
    expect(((await venues.json()) as { venues: unknown[] }).venues).toHaveLength(1);
    const second = await post(`${hc}/api/hc/v1/checkins`, { code: poster }, token2);
    expect(second.status).toBe(201);
    // The epidemic areas were not listed twice.
    await demo.close();
    demo = undefined;
    const sql = await openPgliteSql(join(dir, 'work', 'health-code', 'pgdata'));
    try {
      const n = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_checkins');
      expect(n[0]!.n).toBe(2);
      const areas = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hc_epidemic_areas');
      expect(areas[0]!.n).toBe(2);
    } finally {
      await sql.close();
    }
  }, 300_000);
});
