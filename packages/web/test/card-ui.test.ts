// The card as a new user meets it on small and large phones: a lockout after
// five wrong codes that says what happened and for how long, the places on the
// first screen of a 320 px phone and whole (扬州市, never 扬州/市), English names
// in English, "remember me" left to the user, the help page's QR code, no
// serious axe-core violation, and large text (the phone's 200 % font, 长辈模式).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { ARTIFACTS_DIR, screenshot, seriousViolations } from '../src/testing/index.ts';
import { type CardHarness, NUMBERS, startHarness } from './helpers/harness.ts';

/** A number of its own for each login (the platform allows one code a minute per number). */
const fresh = (() => {
  let i = 0;
  return () => NUMBERS.likeNormal[i++]!;
})();
let harness: CardHarness;

// ZXing, the health pages' decoder, here in Node: its WebAssembly read from node_modules.
const wasm = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
prepareZXingModule({
  overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) },
});

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness?.close());

/**
 * A phone of the given width, as tall as what a browser shows of it under its
 * own bars: 480 px at 320 (a 320x568 phone), 664 at 390 (a 390x844 phone).
 */
async function phone(width: 320 | 360 | 390, storage: Record<string, string> = {}): Promise<Page> {
  const page = await harness.phone({ width, height: width === 320 ? 480 : width === 390 ? 664 : 740 });
  if (Object.keys(storage).length) {
    await page.context().addInitScript((s: Record<string, string>) => {
      for (const [k, v] of Object.entries(s)) if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
    }, storage);
  }
  return page;
}

async function codeSent(page: Page, msisdn: string): Promise<string> {
  await page.locator('#phone').fill(msisdn);
  await page.locator('#get-code').click();
  await expect.poll(() => page.locator('#get-code').isDisabled()).toBe(true);
  return harness.latestCode(msisdn);
}

async function toCard(page: Page, msisdn: string): Promise<void> {
  await page.goto('/');
  const code = await codeSent(page, msisdn);
  await page.locator('#code').fill(code);
  await page.locator('#consent').check();
  await page.locator('#query').click();
  await page.locator('#card').waitFor();
}

async function closeDialog(page: Page): Promise<void> {
  await page.locator('dialog[open] .btn').last().click();
  await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
}

/** Nothing wider than the screen: no sideways scrolling. */
const noSidewaysScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe('login', () => {
  it('leaves 在本机记住我 unticked: remembering the phone is the user’s choice', async () => {
    const page = await phone(360);
    await page.goto('/');
    expect(await page.locator('#remember').isChecked()).toBe(false);
  });

  it('keeps a fresh login on a phone whose clock is hours ahead: says 非法访问, never the login form again', async () => {
    // The session's expiry is the platform's time; this phone's clock is not (a demo with --now is
    // years behind it). The page used to judge one by the other, drop the new session and go back to
    // the form without a word.
    const page = await phone(360);
    await page.clock.install({ time: Date.now() + 3 * 3_600_000 });
    await page.goto('/');
    const code = await codeSent(page, fresh());
    await page.locator('#code').fill(code);
    await page.locator('#consent').check();
    await page.locator('#query').click();
    await expect.poll(() => page.locator('#query-error, #login-form').first().getAttribute('id')).toBe('query-error');
    expect(await page.locator('#query-error').getAttribute('data-code')).toBe('ILLEGAL_ACCESS');
    expect(await page.locator('#query-error').textContent()).toContain('非法访问');
    // Once the clock is right the same session gives the card, without a new code.
    await page.clock.setSystemTime(Date.now());
    await page.locator('#requery').click();
    await page.locator('#card').waitFor();
  });

  it('after five wrong codes says the code is used up and for how long, also for a sixth try and the right code', async () => {
    const page = await phone(360);
    await page.goto('/');
    const code = await codeSent(page, NUMBERS.lockout);
    const wrong = code === '000000' ? '111111' : '000000';
    await page.locator('#consent').check();
    for (let i = 0; i < 4; i++) {
      await page.locator('#code').fill(wrong);
      await page.locator('#query').click();
      expect(await page.locator('dialog[open]').textContent()).toContain('验证码错误，请重新输入');
      await closeDialog(page);
    }
    await page.locator('#code').fill(wrong);
    await page.locator('#query').click();
    const fifth = (await page.locator('dialog[open]').textContent()) ?? '';
    expect(fifth).toContain('验证码错误次数过多');
    expect(fifth).toMatch(/该验证码已作废。请在\d+秒后点击“获取验证码”重新获取/);
    expect(fifth).not.toContain('TOO_MANY_ATTEMPTS');
    // The dialog itself passes axe-core.
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'card-ui-01-lockout');
    await closeDialog(page);
    // The resend button counts the same wait down.
    expect(await page.locator('#get-code').isDisabled()).toBe(true);
    expect(await page.locator('#get-code').textContent()).toMatch(/^\d+秒后重新获取$/);

    for (const again of [wrong, code]) {
      await page.locator('#code').fill(again);
      await page.locator('#query').click();
      await expect
        .poll(() => page.locator('#code-error').textContent())
        .toMatch(/验证码错误次数过多，该验证码已作废。请在\d+秒后/);
      expect(await page.locator('#code-error').textContent()).not.toContain('已失效');
      expect(await page.locator('#card').count()).toBe(0);
    }
  });

  it('reads the wait from the platform: retryAfterSeconds in the body, else the Retry-After header', async () => {
    for (const [answer, said, button] of [
      [{ headers: { 'retry-after': '300' }, extra: {} }, '请在5分钟后', /^5分钟后重新获取$/],
      [{ headers: {}, extra: { retryAfterSeconds: 8100 } }, '请在2小时15分钟后', /^2小时15分钟后重新获取$/],
    ] as const) {
      const page = await phone(360);
      // The platform's 429 for a locked number, as the login service answers it with its wait.
      await page.route('**/api/v1/login', (route) =>
        route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/json', ...answer.headers },
          body: JSON.stringify({
            error: { code: 'TOO_MANY_ATTEMPTS', message: '验证码错误次数过多，请稍后重新获取', ...answer.extra },
          }),
        }),
      );
      await page.goto('/');
      await codeSent(page, fresh());
      await page.locator('#code').fill('123456');
      await page.locator('#consent').check();
      await page.locator('#query').click();
      expect(await page.locator('dialog[open]').textContent()).toContain(`${said}点击“获取验证码”重新获取`);
      await closeDialog(page);
      expect(await page.locator('#get-code').textContent()).toMatch(button);
    }
  });
});

describe('the card on small and large phones', () => {
  for (const width of [320, 390] as const) {
    for (const lang of ['zh', 'en'] as const) {
      it(`${width} px, ${lang}: the places on the first screen, each whole, in the page's language`, async () => {
        const page = await phone(width, { 'itinerary-card.lang': lang });
        await toCard(page, fresh());
        await page.evaluate(() => window.scrollTo(0, 0));
        const places = page.locator('#places');
        await expect
          .poll(() => places.textContent())
          .toBe(lang === 'en' ? harness.expectedPlaces.normalEnglish : harness.expectedPlaces.normal);
        const box = await places.boundingBox();
        expect(box!.y + box!.height).toBeLessThanOrEqual(width === 320 ? 480 : 664);
        // No place name is cut across two lines (扬州/市).
        const broken = await page.$$eval('#places .place', (els) =>
          els.filter((e) => e.getClientRects().length > 1 && !/\s/.test(e.textContent ?? '')).map((e) => e.textContent),
        );
        expect(broken).toEqual([]);
        expect(await noSidewaysScroll(page)).toBe(true);
        await screenshot(page, `card-ui-card-${width}-${lang}`);
      });
    }
  }

  it('keeps a long list whole at 320 px: lines break between places only', async () => {
    const page = await phone(320);
    await toCard(page, fresh());
    // The same list with more places, as the real card shows them.
    await page.evaluate(() => {
      const p = document.getElementById('places')!;
      const names = ['江苏省扬州市', '广东省深圳市*', '江西省南昌市', '内蒙古自治区呼和浩特市', '安徽省六安市'];
      p.replaceChildren(
        ...names.flatMap((n, i) => {
          const s = document.createElement('span');
          s.className = 'place';
          s.textContent = n;
          return i ? [document.createTextNode('，'), s] : [s];
        }),
      );
    });
    const rects = await page.$$eval('#places .place', (els) => els.map((e) => e.getClientRects().length));
    expect(rects.every((n) => n === 1)).toBe(true);
    await screenshot(page, 'card-ui-long-list-320');
  });
});

describe('help page', () => {
  it('shows the QR code of 扫码下载行程卡APP: it opens this site’s card page', async () => {
    const page = await phone(360);
    await page.goto('/help');
    const qr = page.locator('#card-qr');
    await qr.waitFor();
    const img = await qr.evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return { w: d.width, h: d.height, data: [...d.data] };
    });
    const found = await readBarcodes(
      { data: Uint8ClampedArray.from(img.data), width: img.w, height: img.h } as ImageData,
      { formats: ['QRCode'] },
    );
    expect(found.map((r) => r.text)).toEqual([`${harness.url}/`]);
    expect(await page.locator('.help-qr-figure').textContent()).toContain('扫描二维码，打开行程卡查询页面');
    const method = await page.locator('.help-qr-figure').evaluate((f) => f.previousElementSibling?.textContent);
    expect(method).toContain('扫码下载行程卡APP');
    await qr.scrollIntoViewIfNeeded();
    await screenshot(page, 'card-ui-help-qr');
  });

  it('reads at 320 and 390 px, in Chinese and English, in 长辈模式, without sideways scrolling', async () => {
    for (const width of [320, 390] as const)
      for (const lang of ['zh', 'en'] as const)
        for (const elder of [false, true]) {
          const page = await phone(width, { 'itinerary-card.lang': lang, 'itinerary-card.elder': elder ? '1' : '0' });
          await page.goto('/help');
          await page.locator('#card-qr').waitFor();
          await page.locator('#q10 summary').click();
          expect(await noSidewaysScroll(page), `${width} ${lang} ${elder}`).toBe(true);
          // The first screen and the QR code as a phone shows them.
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({
            path: `${ARTIFACTS_DIR}/card-ui-help-${width}-${lang}${elder ? '-elder' : ''}-top.png`,
          });
          await page.locator('#card-qr').scrollIntoViewIfNeeded();
          await page.screenshot({
            path: `${ARTIFACTS_DIR}/card-ui-help-${width}-${lang}${elder ? '-elder' : ''}-qr.png`,
          });
          await page.context().close();
        }
  }, 120_000);

  it('a mistyped address shows a page with a link home', async () => {
    for (const width of [320, 390] as const) {
      const page = await phone(width);
      const res = await page.goto('/helpp');
      expect(res?.status()).toBe(404);
      await page.getByRole('link', { name: '返回行程卡查询首页' }).click();
      await page.locator('#login-form').waitFor();
      await page.goBack();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `card-ui-404-${width}`);
    }
  });
});

describe('accessibility and large text', () => {
  it('has no serious or critical axe-core violation on the login form, the card, an error and the help page', async () => {
    const page = await phone(360);
    await page.goto('/');
    await page.locator('#login-form').waitFor();
    expect(await seriousViolations(page), 'login').toEqual([]);
    await page.goto('/help');
    await page.locator('#card-qr').waitFor();
    expect(await seriousViolations(page), 'help').toEqual([]);
    await toCard(page, fresh());
    expect(await seriousViolations(page), 'card').toEqual([]);
    const err = await phone(360);
    await err.goto('/');
    const code = await codeSent(err, NUMBERS.newNumber);
    await err.locator('#code').fill(code);
    await err.locator('#consent').check();
    await err.locator('#query').click();
    await err.locator('#query-error').waitFor();
    expect(await seriousViolations(err), 'error').toEqual([]);
    // The check finds a real problem: an unlabelled field.
    await err.evaluate(() => document.querySelector('.panel')?.append(document.createElement('input')));
    expect((await seriousViolations(err)).join()).toContain('label');
  });

  it('works with the phone’s font at 200 %: text doubles, nothing runs off the screen', async () => {
    const page = await phone(360);
    await toCard(page, fresh());
    const before = await page
      .locator('#card-headline')
      .evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    // What a browser's own font-size setting does: a larger root font size.
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '200%';
    });
    const after = await page.locator('#card-headline').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(after).toBeCloseTo(before * 2, 0);
    expect(await noSidewaysScroll(page)).toBe(true);
    await screenshot(page, 'card-ui-font-200');
    await page.goto('/');
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '200%';
    });
    await page.locator('#logout').click();
    await page.locator('#login-form').waitFor();
    expect(await noSidewaysScroll(page)).toBe(true);
    await screenshot(page, 'card-ui-login-font-200');
  });

  for (const width of [320, 390] as const) {
    it(`${width} px: 长辈模式 enlarges the card and stays on (kept on this phone)`, async () => {
      const page = await phone(width);
      await toCard(page, fresh());
      const size = () => page.locator('#places').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
      const normal = await size();
      const toggle = page.getByRole('button', { name: '长辈模式' });
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      await toggle.click();
      expect(await size()).toBeGreaterThanOrEqual(normal * 1.3);
      expect(await page.locator('#elder-switch').getAttribute('aria-pressed')).toBe('true');
      expect(await noSidewaysScroll(page)).toBe(true);
      await screenshot(page, `card-ui-elder-${width}`);
      await page.reload();
      await page.locator('#card').waitFor();
      expect(await size()).toBeGreaterThanOrEqual(normal * 1.3);
      expect(await seriousViolations(page)).toEqual([]);
      // English and large text together.
      await page.locator('#lang-switch').click();
      await expect.poll(() => page.locator('#card-headline').textContent()).toBe('Here is your green itinerary card');
      expect(await page.locator('#elder-switch').textContent()).toBe('Standard text');
      expect(await noSidewaysScroll(page)).toBe(true);
      await screenshot(page, `card-ui-elder-${width}-en`);
    });
  }
});
