// End-to-end: a 360 px phone in Chromium goes from its number to the card, and
// meets every error of API.md once (in the page when it takes the card's place,
// else in a dialog), in the seed's words with what to do next, never a code.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cspViolations,
  inlineScriptRefused,
  screenshot,
  securityHeaderProblems,
  textContrastFailures,
} from '../src/testing/index.ts';
import { type CardHarness, NUMBERS, startHarness } from './helpers/harness.ts';

let harness: CardHarness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness?.close());

const phone = () => harness.phone();

/** Types the number, gets a code from the SMS outbox, ticks the consent box (and "remember me") and queries. */
async function loginWithCode(page: Page, msisdn: string, shot?: string, remember = false): Promise<void> {
  await page.goto('/');
  await page.getByLabel('手机号码').fill(msisdn);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect.poll(() => page.locator('#get-code').textContent()).toMatch(/秒后重新获取/);
  const code = await harness.latestCode(msisdn);
  await page.getByLabel('验证码', { exact: true }).fill(code);
  await page.getByLabel('同意并授权运营商查询本人在疫情期间7天内到访地信息').check();
  if (remember) await page.locator('#remember').check();
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: '查询', exact: true }).click();
}

async function dialogText(page: Page): Promise<string> {
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  return (await dlg.textContent()) ?? '';
}

describe('itinerary card page', () => {
  it('normal traveller: number → code → green card; the clock ticks; a returning device skips the code', async () => {
    const page = await phone();
    await loginWithCode(page, NUMBERS.normal, 'card-01-login-filled', true);
    const card = page.locator('#card');
    await card.waitFor();
    await expect.poll(() => card.getAttribute('data-colour')).toBe('green');
    // The new screen is announced: focus moves to its headline.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('card-headline');
    expect(await page.locator('#card-headline').textContent()).toBe('请收下绿色行程卡');
    expect(await page.locator('#card-phone').textContent()).toBe(
      `${NUMBERS.normal.slice(0, 3)}****${NUMBERS.normal.slice(-4)}的动态行程卡`,
    );
    expect(await page.locator('#card-updated').textContent()).toMatch(
      /^更新于：\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$/,
    );
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('您于前7天内到达或途经：');
    expect(await page.locator('#places').textContent()).toBe(harness.expectedPlaces.normal);
    expect(text).toContain('结果包含您在前7天内到访的国家（地区）与停留4小时以上的国内城市');
    expect(await page.locator('#risk-footnote').textContent()).toContain('表示当前该城市存在中风险或高风险地区');
    expect(text).toContain('行程卡颜色说明');
    expect(await page.locator('#footer').textContent()).toContain('电信10000/移动10086/联通10010');
    // The live clock: HH:MM:SS that changes from one second to the next.
    const t1 = await page.locator('#clock-time').textContent();
    expect(t1).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await expect.poll(() => page.locator('#clock-time').textContent(), { timeout: 3000 }).not.toBe(t1);
    await screenshot(page, 'card-02-normal-green');
    expect(await textContrastFailures(page)).toEqual([]);

    // Returning device: a new tab (no session) goes straight to the card.
    const again = await page.context().newPage();
    await again.goto('/');
    await again.locator('#card').waitFor();
    expect(await again.locator('#login-form').count()).toBe(0);

    // English switch: persists and asks the platform in English.
    await again.getByRole('button', { name: 'switch to English' }).click();
    await expect.poll(() => again.locator('#card-headline').textContent()).toBe('Here is your green itinerary card');
    await again.reload();
    await expect.poll(() => again.locator('#card-headline').textContent()).toBe('Here is your green itinerary card');
    expect(await again.evaluate(() => document.documentElement.lang)).toBe('en');
    await screenshot(again, 'card-03-normal-english');

    // "Change number" logs out and makes the platform forget this device.
    const device = await again.evaluate(() => localStorage.getItem('itinerary-card.device'));
    expect(device).toBeTruthy();
    await again.getByRole('button', { name: 'Change number' }).click();
    await again.locator('#login-form').waitFor();
    const { phone: p, deviceToken } = JSON.parse(device!) as { phone: string; deviceToken: string };
    await expect
      .poll(async () => {
        const res = await fetch(`${harness.url}/api/v1/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone: p, deviceToken }),
        });
        return res.status;
      })
      .toBe(401);
    const third = await page.context().newPage();
    await third.goto('/');
    await third.locator('#login-form').waitFor();
  });

  it('border resident: the card lists the home city only, with the border note', async () => {
    const page = await phone();
    await loginWithCode(page, NUMBERS.border);
    await page.locator('#card').waitFor();
    expect(await page.locator('#places').textContent()).toBe(harness.expectedPlaces.border);
    expect(await page.locator('#disclaimer').textContent()).toContain('行政区划交界处');
    await screenshot(page, 'card-04-border-resident');
  });

  it('back from abroad: a yellow card with the country', async () => {
    const page = await phone();
    await loginWithCode(page, NUMBERS.abroad);
    await page.locator('#card').waitFor();
    expect(await page.locator('#card').getAttribute('data-colour')).toBe('yellow');
    expect(await page.locator('#card-headline').textContent()).toBe('请收下黄色行程卡');
    expect(await page.locator('#places').textContent()).toBe(harness.expectedPlaces.abroad);
    await screenshot(page, 'card-05-abroad-yellow');
    expect(await textContrastFailures(page)).toEqual([]);
  });

  it('new number: NEW_SUBSCRIBER once, in the page, in the seed wording, without the code', async () => {
    const page = await phone();
    await loginWithCode(page, NUMBERS.newNumber);
    const panel = page.locator('#query-error');
    await panel.waitFor();
    expect(await panel.getAttribute('data-code')).toBe('NEW_SUBSCRIBER');
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain('经核验，您所使用的手机号码开户时间未满7天');
    expect(text.split('车票、住宿单据、社区证明').length - 1).toBe(1);
    // Shown once: no dialog on top of the page saying it again, and no code anywhere.
    await page.waitForTimeout(300);
    expect(await page.locator('dialog[open]').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('NEW_SUBSCRIBER');
    await screenshot(page, 'card-06-new-number');
  });

  it('wrong clock: ILLEGAL_ACCESS, then the card once the clock is right', async () => {
    const page = await phone();
    await page.clock.install({ time: Date.now() - 3 * 3_600_000 });
    await loginWithCode(page, NUMBERS.skewedClock);
    const panel = page.locator('#query-error');
    await panel.waitFor();
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain('非法访问');
    expect(text).toContain('北京时间');
    expect(await page.locator('dialog[open]').count()).toBe(0);
    await screenshot(page, 'card-07-wrong-clock');
    await page.clock.setSystemTime(Date.now());
    await panel.getByRole('button', { name: '重新查询' }).click();
    await page.locator('#card').waitFor();
  });

  it('wrong code three times: CODE_INVALID each time, then the right code still logs in', async () => {
    const page = await phone();
    await page.goto('/');
    await page.getByLabel('手机号码').fill(NUMBERS.wrongCode);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await expect.poll(() => page.locator('#get-code').textContent()).toMatch(/秒后重新获取/);
    const code = await harness.latestCode(NUMBERS.wrongCode);
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('同意并授权运营商查询本人在疫情期间7天内到访地信息').check();
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('验证码', { exact: true }).fill(wrong);
      await page.getByRole('button', { name: '查询', exact: true }).click();
      const text = await dialogText(page);
      expect(text).toContain('验证码错误，请重新输入');
      expect(text).not.toContain('CODE_INVALID');
      if (i === 2) await screenshot(page, 'card-08-wrong-code-third');
      await page.getByRole('button', { name: '知道了' }).click();
      await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
      // Focus goes back to the code field, ready for the next try.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    }
    await page.getByLabel('验证码', { exact: true }).fill(code);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.locator('#card').waitFor();
  });

  it('operator outage: QUERY_FAILED ("数据查询异常") with a retry', async () => {
    const page = await phone();
    await harness.operatorDown(true);
    try {
      await loginWithCode(page, NUMBERS.outage);
      const panel = page.locator('#query-error');
      await panel.waitFor();
      expect(await panel.textContent()).toContain('数据查询异常');
      expect(await page.locator('dialog[open]').count()).toBe(0);
      await screenshot(page, 'card-09-operator-outage');
    } finally {
      await harness.operatorDown(false);
    }
    await page.getByRole('button', { name: '重新查询' }).click();
    await page.locator('#card').waitFor();
  });

  it('a malformed answer: ANSWER_MALFORMED in the page, nothing of it shown, then the card on retry', async () => {
    const page = await phone();
    // A 200 whose body is not the itinerary answer (a proxy's rewrite, a platform of another version).
    await page.route('**/api/v1/itinerary', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: '{"phone":"138****0011","cities":"南昌"}' }),
    );
    await loginWithCode(page, NUMBERS.likeNormal[0]);
    const panel = page.locator('#query-error');
    await panel.waitFor();
    expect(await panel.getAttribute('data-code')).toBe('ANSWER_MALFORMED');
    expect(await panel.textContent()).toContain('行程卡平台返回的数据格式有误');
    expect(await page.locator('#card').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('南昌');
    await screenshot(page, 'card-10-answer-malformed');
    await page.unroute('**/api/v1/itinerary');
    await panel.getByRole('button', { name: '重新查询' }).click();
    await page.locator('#card').waitFor();
  });

  it('validates the form before calling the platform, refuses a second code within 60 s, and the help page has the FAQ', async () => {
    const page = await phone();
    await page.goto('/');
    await page.getByLabel('手机号码').fill('12345');
    await page.getByRole('button', { name: '获取验证码' }).click();
    expect(await page.locator('#phone-error').textContent()).toBe('请输入正确的手机号码');
    expect(await page.getByLabel('手机号码').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('手机号码').fill(NUMBERS.normal);
    await page.getByLabel('验证码', { exact: true }).fill('123456');
    await page.getByRole('button', { name: '查询', exact: true }).click();
    expect(await page.locator('#consent-error').isVisible()).toBe(true);
    await screenshot(page, 'card-10-validation');

    // Asking again for a code within 60 s (here from a second phone): TOO_MANY_REQUESTS, with the wait.
    await page.getByLabel('手机号码').fill(NUMBERS.resend);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await expect.poll(() => page.locator('#get-code').textContent()).toMatch(/秒后重新获取/);
    const other = await phone();
    await other.goto('/');
    await other.getByLabel('手机号码').fill(NUMBERS.resend);
    await other.getByRole('button', { name: '获取验证码' }).click();
    const text = await dialogText(other);
    expect(text).toContain('请求过于频繁');
    expect(text).toMatch(/请在\d+秒后再试/);
    await other.keyboard.press('Escape');
    await expect.poll(() => other.locator('#get-code').textContent()).toMatch(/\d+秒后重新获取/);
    expect(await other.locator('#get-code').isDisabled()).toBe(true);

    await page.goto('/help');
    expect(await page.locator('.faq > li').count()).toBe(15);
    await page.locator('#q10 summary').click();
    expect(await page.locator('#q10').textContent()).toContain('手机系统时间和北京时间不一致');
    await screenshot(page, 'card-11-help');
  });

  it('accessibility: labelled fields, keyboard order, dialog focus trap and Escape, AA contrast', async () => {
    const page = await phone();
    await page.goto('/');
    for (const id of ['phone', 'code', 'consent', 'remember']) {
      const name = await page.locator(`#${id}`).evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent);
      expect(name, id).toBeTruthy();
    }
    // Keyboard: the order of the form follows the visual order.
    await page.locator('#phone').focus();
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(order).toEqual(['code', 'get-code', 'consent', 'remember', 'query']);

    // A dialog from the keyboard: focus moves in, Tab stays in, Escape closes and focus returns.
    await page.locator('#phone').fill('+852 91234567');
    await page.locator('#phone').press('Enter');
    expect(await page.locator('#phone-error').textContent()).toBe('暂不支持海外运营商手机号查询');
    await page.locator('#phone').fill(NUMBERS.smsFails);
    await page.locator('#get-code').focus();
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('dialog[open]'));
    expect(await inDialog()).toBe(true);
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      expect(await inDialog()).toBe(true);
    }
    expect(await page.locator('dialog[open]').textContent()).toContain('CXMYD');
    await screenshot(page, 'card-12-sms-failed-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('get-code');

    // Contrast of every visible text against its background (WCAG AA: 4.5, 3 for large text).
    expect(await textContrastFailures(page)).toEqual([]);
    // The check itself finds a grey-on-white text.
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = '低对比度文字';
      p.style.color = '#b0b0b0';
      document.querySelector('.panel')?.append(p);
    });
    expect((await textContrastFailures(page)).join()).toContain('低对比度文字');
  });

  // Issue 22 item 19: last, after every flow above ran under the policy.
  it('serves the pages with CSP, frame, sniffing and referrer headers, and no page broke the CSP', async () => {
    const page = await phone();
    for (const path of ['/', '/card/help.html']) expect(await securityHeaderProblems(page, path)).toEqual([]);
    expect(await inlineScriptRefused(page)).toBe(true);
    expect(cspViolations.filter((v) => !v.includes('inline script'))).toEqual([]);
  });
});
