// What every page of ours must be served with (issue 22 item 19), checked the
// same way for the card and the health code: the headers of a page, and the
// Content Security Policy actually in force in the browser.
import type { Page } from 'playwright-core';
import { cspViolations } from './browser-kit.ts';

/** The sources of a policy's script-src directive, in order ('' when it has none). */
function scriptSrc(csp: string): string {
  const d = csp.split(';').map((x) => x.trim().split(/\s+/));
  return (
    d
      .find((words) => words[0] === 'script-src')
      ?.slice(1)
      .join(' ') ?? ''
  );
}

type Check = [header: string, test: (v: string) => boolean, want: string];

function required(wasm: boolean): Check[] {
  // Scripts from our origin only; a page that compiles WebAssembly (the QR scanner)
  // may also do that, and no other page may.
  const script = wasm ? "'self' 'wasm-unsafe-eval'" : "'self'";
  return [
    ['content-security-policy', (v) => scriptSrc(v) === script, `script-src ${script}`],
    ['content-security-policy', (v) => v.includes("frame-ancestors 'none'"), "frame-ancestors 'none'"],
    ['x-frame-options', (v) => v === 'DENY', 'DENY'],
    ['x-content-type-options', (v) => v === 'nosniff', 'nosniff'],
    ['referrer-policy', (v) => v === 'no-referrer', 'no-referrer'],
  ];
}

/**
 * Opens `path` on the page and lists each security header it lacks, as `path:
 * header wants value` (none: []). `wasm`: a page that compiles WebAssembly,
 * whose script-src is 'self' 'wasm-unsafe-eval' (any other page's is 'self' alone).
 */
export async function securityHeaderProblems(page: Page, path: string, o: { wasm?: boolean } = {}): Promise<string[]> {
  const res = await page.goto(path);
  if (!res) return [`${path}: no response`];
  const headers = res.headers();
  return required(o.wasm ?? false)
    .filter(([name, ok]) => !ok(headers[name] ?? ''))
    .map(([name, , want]) => `${path}: ${name} wants ${want}, has ${headers[name] ?? 'none'}`);
}

/**
 * Whether the page refuses an inline script, reporting it as a CSP violation
 * (the policy is in force in the browser, not only sent).
 */
export async function inlineScriptRefused(page: Page): Promise<boolean> {
  const before = cspViolations.length;
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.head.append(s);
  });
  if (await page.evaluate(() => (window as { inlineRan?: boolean }).inlineRan)) return false;
  // The console message of the violation comes asynchronously.
  for (const end = Date.now() + 5000; cspViolations.length === before; ) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
