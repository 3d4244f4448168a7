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
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
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

const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

/**
 * Adds the headers to every response of `app` (call on the root instance
 * before routes are registered). Paths under `exceptPrefixes` (e.g. `/docs`,
 * Swagger UI with its own inline scripts) get all but the CSP.
 */
export function installSecurityHeaders(app: FastifyInstance, o: { exceptPrefixes?: string[] } = {}): void {
  const except = o.exceptPrefixes ?? [];
  const { 'content-security-policy': _, ...withoutCsp } = SECURITY_HEADERS;
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(except.some((p) => req.url.startsWith(p)) ? withoutCsp : SECURITY_HEADERS);
    done();
  });
}
