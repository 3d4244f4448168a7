// The kit's security checks find what they look for: a page without the
// headers, one whose policy lets an inline script run, and a script-src that
// lets a page compile WebAssembly when it should not (or not when it should).
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

/** Policies other than HEADERS' by path: one for a page that compiles WebAssembly, one that allows eval. */
const POLICIES: Record<string, string> = {
  '/wasm.html': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'",
  '/eval.html': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; frame-ancestors 'none'",
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
        const name = new URL(route.request().url()).pathname;
        const csp = POLICIES[name];
        return route.fulfill({
          status: 200,
          headers:
            name === '/bare.html'
              ? { 'content-type': 'text/html' }
              : { ...HEADERS, ...(csp ? { 'content-security-policy': csp } : {}) },
          body: '<p>x</p>',
        });
      });
      expect(await securityHeaderProblems(page, 'http://page.test/ok.html')).toEqual([]);
      expect(await inlineScriptRefused(page)).toBe(true);
      const bare = await securityHeaderProblems(page, 'http://page.test/bare.html');
      expect(bare).toHaveLength(5);
      expect(bare[0]).toBe("http://page.test/bare.html: content-security-policy wants script-src 'self', has none");
      expect(await inlineScriptRefused(page)).toBe(false);

      expect(await securityHeaderProblems(page, 'http://page.test/wasm.html', { wasm: true })).toEqual([]);
      expect(await securityHeaderProblems(page, 'http://page.test/wasm.html')).toEqual([
        `http://page.test/wasm.html: content-security-policy wants script-src 'self', has ${POLICIES['/wasm.html']}`,
      ]);
      expect(await securityHeaderProblems(page, 'http://page.test/ok.html', { wasm: true })).toHaveLength(1);
      for (const wasm of [false, true])
        expect(await securityHeaderProblems(page, 'http://page.test/eval.html', { wasm })).toHaveLength(1);
    } finally {
      await ctx.close();
    }
  });
});
