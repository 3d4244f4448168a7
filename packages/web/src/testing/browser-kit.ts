// The browser the tests of every page use: Debian's Chromium driven by
// playwright-core, quiet (no updates, no background traffic), and a phone to
// open pages in (360 px wide at 2x by default, Chinese, Beijing time), with
// screenshots kept under packages/web/test-artifacts/ for people to look at.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const ARTIFACTS_DIR = resolve(import.meta.dirname, '..', '..', 'test-artifacts');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH), headless; `extraArgs` such as a fake camera. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** Console messages of any page of a phone that report a Content Security Policy violation. */
export const cspViolations: string[] = [];

/** What a browser shows of a phone of this width under its own bars. */
const PHONE_HEIGHT: Record<number, number> = { 320: 568, 360: 740, 390: 844 };

export interface PhoneOptions extends BrowserContextOptions {
  /** CSS pixels; 360 unless told. The height follows (568 at 320, 740 at 360, 844 at 390) unless `height`. */
  width?: number;
  height?: number;
}

/** A fresh phone: its own storage, touch, 2x, Chinese locale in Beijing; the options override any of it. */
export async function newPhone(browser: Browser, options: PhoneOptions = {}): Promise<BrowserContext> {
  const { width = 360, height, ...rest } = options;
  const ctx = await browser.newContext({
    viewport: { width, height: height ?? PHONE_HEIGHT[width] ?? 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...rest,
  });
  ctx.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return ctx;
}

/** A full-page screenshot at `test-artifacts/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
