// The kit's security checks find what they look for: a page without the
// headers, and one whose policy lets an inline script run.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPhone } from './browser-kit.ts';
import { inlineScriptRefused, securityHeaderProblems } from './security-headers.ts';

const HEADERS = {
  'content-type': 'text/html',
  'content-security-policy': "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe('securityHeaderProblems and inlineScriptRefused', () => {
  it('pass a page served with our headers, and name each one missing', async () => {
    const ctx = await newPhone(browser);
    try {
      const page = await ctx.newPage();
      await page.route('http://page.test/**', (route) => {
        const bare = route.request().url().endsWith('/bare.html');
        return route.fulfill({
          status: 200,
          headers: bare ? { 'content-type': 'text/html' } : HEADERS,
          body: '<p>x</p>',
        });
      });
      expect(await securityHeaderProblems(page, 'http://page.test/ok.html')).toEqual([]);
      expect(await inlineScriptRefused(page)).toBe(true);
      const bare = await securityHeaderProblems(page, 'http://page.test/bare.html');
      expect(bare).toHaveLength(5);
      expect(bare[0]).toBe("http://page.test/bare.html: content-security-policy wants script-src 'self', has none");
      expect(await inlineScriptRefused(page)).toBe(false);
    } finally {
      await ctx.close();
    }
  });
});
