// The Content Security Policy each response gets: the pages' strict one, with
// 'wasm-unsafe-eval' for the pages that compile WebAssembly (the QR scanner)
// and for no other path, and none for the paths that bring inline scripts.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installOpsKit } from '../src/index.ts';

const POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self' blob:; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const WASM_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");

describe('security headers', () => {
  it("sends 'wasm-unsafe-eval' to the scanning pages only, whatever their query", async () => {
    const app = Fastify();
    installOpsKit(app, {
      app: 'test',
      checks: {},
      cspExceptPrefixes: ['/docs'],
      cspWasmPages: ['/health/scan.html', '/health/verify.html'],
    });
    app.get('/*', async () => 'ok');
    const csp = async (url: string) => (await app.inject({ url })).headers['content-security-policy'];
    expect(await csp('/health/scan.html')).toBe(WASM_POLICY);
    expect(await csp('/health/verify.html?c=x')).toBe(WASM_POLICY);
    for (const url of ['/health/index.html', '/health/scan.htmlx', '/health/scan.html/x', '/', '/assets/a.js'])
      expect(await csp(url), url).toBe(POLICY);
    const docs = await app.inject({ url: '/docs/index.html' });
    expect(docs.headers['content-security-policy']).toBeUndefined();
    expect(docs.headers['x-frame-options']).toBe('DENY');
    expect(docs.headers['referrer-policy']).toBe('no-referrer');
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
