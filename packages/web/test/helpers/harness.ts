// The system the browser tests talk to: the real query platform serving the
// built pages (with the development SMS outbox) and operator nodes over
// in-memory snapshots, one scenario number each; and Chromium with phones on it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { regionByCode } from '@itinerary-card/domain';
import type { BrowserContext, Page } from 'playwright-core';
import { webDistDir } from '../../src/index.ts';
import { launchChromium, newPhone, type PhoneOptions } from '../../src/testing/index.ts';
import { startPlatformHarness } from './platform-harness.ts';

export const NUMBERS = {
  normal: '13800000001',
  border: '13900000002',
  abroad: '13700000003',
  newNumber: '15000000004',
  wrongCode: '13600000005',
  /** Five wrong codes in a row: the code is burnt. */
  lockout: '13600000010',
  skewedClock: '13500000007',
  /** Only asks for codes (TOO_MANY_REQUESTS on a second request within 60 s). */
  resend: '13300000008',
  /** The SMS gateway fails for this one (SMS_SEND_FAILED). */
  smsFails: '13200000009',
  /** On the Unicom node, which the outage scenario takes down. */
  outage: '18600000006',
  /** The normal traveller's itinerary on numbers of their own (one login each within the 60 s resend wait). */
  likeNormal: Array.from({ length: 20 }, (_, i) => `138000000${String(i + 11).padStart(2, '0')}`),
} as const;

export interface CardHarness {
  url: string;
  /** The newest verification code sent to this number, read from GET /dev/outbox. */
  latestCode(msisdn: string): Promise<string>;
  /** Takes the operator node of the outage number down (true) or brings it back (false). */
  operatorDown(down: boolean): Promise<void>;
  /** The places line the card should show for the scenario numbers. */
  expectedPlaces: { normal: string; border: string; abroad: string; normalEnglish: string };
  /** A page on a fresh phone (360 px unless told) at the platform's URL, closed with the harness. */
  phone(options?: PhoneOptions): Promise<Page>;
  close(): Promise<void>;
}

const place = (code: string) => {
  const r = regionByCode(code)!;
  return r.province === r.city ? r.city : `${r.province}${r.city}`;
};

export async function startHarness(): Promise<CardHarness> {
  if (!existsSync(join(webDistDir, 'card', 'index.html'))) {
    throw new Error('packages/web/dist is missing: run `npm run build -w @itinerary-card/web` first');
  }
  const contexts: BrowserContext[] = [];
  const home = '360100'; // 南昌市
  const risky = '440300'; // 深圳市, with a medium-risk area today
  const platform = startPlatformHarness(
    [
      { msisdn: NUMBERS.normal, operator: 'cmcc', cities: [home, risky] },
      // Lives at the 南昌/抚州 border: the pipeline's smoothing leaves the home city only.
      { msisdn: NUMBERS.border, operator: 'cmcc', cities: [home] },
      { msisdn: NUMBERS.abroad, operator: 'cmcc', cities: [home], countries: ['JP'] },
      { msisdn: NUMBERS.newNumber, operator: 'cmcc', status: 'new_subscriber' },
      { msisdn: NUMBERS.wrongCode, operator: 'cmcc', cities: [home] },
      { msisdn: NUMBERS.lockout, operator: 'cmcc', cities: [home] },
      ...NUMBERS.likeNormal.map((msisdn) => ({ msisdn, operator: 'cmcc' as const, cities: [home, risky] })),
      { msisdn: NUMBERS.skewedClock, operator: 'cmcc', cities: [home] },
      { msisdn: NUMBERS.outage, operator: 'cucc', cities: [home] },
    ],
    [risky],
    [NUMBERS.smsFails],
  );
  const [browser, h] = await Promise.all([launchChromium(), platform]);
  return {
    url: h.url,
    async latestCode(msisdn) {
      // The page may show "sent" a moment before the SMS reaches the outbox on a
      // busy machine: look again for up to 10 s before saying there is none.
      for (const deadline = Date.now() + 10_000; ; ) {
        const res = await fetch(`${h.url}/dev/outbox?phone=${msisdn}`);
        const list = (await res.json()) as Array<{ text: string }>;
        const m = /验证码为?(\d{4,8})/.exec(list.at(-1)?.text ?? '');
        if (m) return m[1]!;
        if (Date.now() > deadline) throw new Error(`no code in the outbox for ${msisdn.slice(0, 3)}****`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    operatorDown: (down) => h.nodeDown('cucc', down),
    expectedPlaces: {
      normal: `${place(home)}，${place(risky)}*`,
      border: place(home),
      abroad: `${place(home)}，日本`,
      normalEnglish: 'Nanchang, Jiangxi; Shenzhen, Guangdong*',
    },
    async phone(options = {}) {
      const ctx = await newPhone(browser, { baseURL: h.url, ...options });
      contexts.push(ctx);
      return ctx.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await h.close();
    },
  };
}
