// Security headers on every response of the services that serve pages (the
// platform's card pages, the health-code system's pages): a Content Security
// Policy that lets the pages load only their own scripts, framing refused,
// no MIME sniffing, no referrer sent to other sites.
import type { FastifyInstance } from 'fastify';

/**
 * The pages are Vite bundles served from the same origin: scripts, styles,
 * fonts and API calls are 'self'. Inline style attributes stay allowed
 * ('unsafe-inline' in style-src only: the chart library and QR renderer set
 * them; scripts never run inline). Posters and QR codes are shown from blob:
 * and data: URLs; the camera scanner plays a MediaStream.
 */
const cspWith = (scriptSrc: string) =>
  [
    "default-src 'self'",
    `script-src ${scriptSrc}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob: mediastream:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

const OTHER_HEADERS = Object.freeze({
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});
const SECURITY_HEADERS = Object.freeze({ 'content-security-policy': cspWith("'self'"), ...OTHER_HEADERS });
/**
 * The pages that compile WebAssembly (the health pages' QR scanner, ZXing in
 * wasm) need 'wasm-unsafe-eval': it lets a page compile WebAssembly, and nothing
 * else (no eval of JavaScript, no inline script); the module itself still comes
 * only from 'self'. Other pages are not given it.
 */
const WASM_PAGE_HEADERS = Object.freeze({
  'content-security-policy': cspWith("'self' 'wasm-unsafe-eval'"),
  ...OTHER_HEADERS,
});

/**
 * Adds the headers to every response of `app` (call on the root instance
 * before routes are registered). Paths under `exceptPrefixes` (e.g. `/docs`,
 * Swagger UI with its own inline scripts) get all but the CSP; the pages at
 * `wasmPages` (exact paths, any query) get 'wasm-unsafe-eval' in script-src.
 */
export function installSecurityHeaders(
  app: FastifyInstance,
  o: { exceptPrefixes?: string[]; wasmPages?: string[] } = {},
): void {
  const except = o.exceptPrefixes ?? [];
  const wasm = new Set(o.wasmPages ?? []);
  app.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?', 1)[0]!;
    reply.headers(
      except.some((p) => req.url.startsWith(p)) ? OTHER_HEADERS : wasm.has(path) ? WASM_PAGE_HEADERS : SECURITY_HEADERS,
    );
    done();
  });
}
