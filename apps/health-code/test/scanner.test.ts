// The health pages' QR scanner in Chromium with a fake camera, on the app with its
// production headers: a venue's printed poster read by ZXing compiled to
// WebAssembly, the .wasm fetched from our own /assets and nothing from any other
// host; garbled codes and noise never read as a code; the page's message when
// the decoder cannot be loaded, and the browser's own BarcodeDetector used
// instead of the WebAssembly when it has one.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { cspViolations, securityHeaderProblems } from '@itinerary-card/web/testing';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, garbledVideo, NANCHANG, shot, startBrowserApp } from './browser-kit.ts';

const HOLDER = '13800000021';
const UNAVAILABLE = '扫码组件未能加载，请检查网络后重试';
let t: BrowserApp;
let venue: { id: string; name: string; checkinUrl: string };
let poster: Buffer;
/** The .wasm's path, as the first test saw the page fetch it. */
let wasmPath: string;

beforeAll(async () => {
  t = await startBrowserApp({ itineraries: { [HOLDER]: [NANCHANG] } });
  await t.register(HOLDER, '021');
  const owner = { authorization: `Bearer ${await t.session('13800000022')}` };
  const v = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/venues',
    headers: owner,
    payload: { kind: 'unit', name: '红谷滩区扫码测试超市', address: '南昌市红谷滩区丰和中大道2号' },
  });
  expect(v.statusCode, v.body).toBe(201);
  venue = v.json();
  const png = await t.app.inject({ url: `/api/hc/v1/venues/${venue.id}/poster.png`, headers: owner });
  expect(png.headers['content-type']).toBe('image/png');
  poster = png.rawPayload;
});

afterAll(() => t?.close());

/** Every URL the phone's pages ask for, and the .wasm responses. */
function watch(ctx: BrowserContext): { urls: string[]; wasm: Response[] } {
  const seen = { urls: [] as string[], wasm: [] as Response[] };
  ctx.on('request', (r) => seen.urls.push(r.url()));
  ctx.on('response', (r) => {
    if (r.url().endsWith('.wasm')) seen.wasm.push(r);
  });
  return seen;
}

/** The requests that went anywhere but the app (data: and blob: URLs are the page's own). */
const foreign = (urls: string[]) => urls.filter((u) => !u.startsWith(`${t.base}/`) && !/^(data|blob):/.test(u));

/** Counts the frames the scanner takes (each one's pixels are read once, then decoded before the next). */
async function countFrames(ctx: BrowserContext): Promise<(page: Page) => Promise<number>> {
  await ctx.addInitScript(() => {
    const read = CanvasRenderingContext2D.prototype.getImageData;
    CanvasRenderingContext2D.prototype.getImageData = function (...a: Parameters<typeof read>) {
      const w = window as { scannedFrames?: number };
      w.scannedFrames = (w.scannedFrames ?? 0) + 1;
      return read.apply(this, a);
    };
  });
  return (page) => page.evaluate(() => (window as { scannedFrames?: number }).scannedFrames ?? 0);
}

describe('扫码打卡 with the camera', () => {
  it('reads the venue poster with ZXing from /assets under the production CSP, and asks no other host', async () => {
    const video = await t.pictureVideo(poster);
    await t.withCameraPhone(video, async (ctx) => {
      const seen = watch(ctx);
      await ctx.addInitScript((token) => localStorage.setItem('health-code.token', token), await t.session(HOLDER));
      const page = await ctx.newPage();
      const scanPage = await page.goto('/health/scan.html');
      expect(scanPage!.headers()['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval';");
      // Read and checked in, or the scanner's message at once (no camera, no decoder).
      await page.waitForSelector('#checkin-success, #scan-error:not(:empty)', { timeout: 30_000 });
      const error = await page.$('#scan-error');
      expect(page.url(), error ? `the scan page says ${await error.textContent()}` : '').toBe(venue.checkinUrl);
      await page.waitForSelector('#checkin-success');
      expect(await page.textContent('#checkin-venue')).toContain(venue.name);
      // The WebAssembly is our own hashed asset, typed for streaming compilation.
      expect(seen.wasm.map((r) => new URL(r.url()).pathname)).toEqual([
        expect.stringMatching(/^\/assets\/zxing_reader-[\w-]+\.wasm$/),
      ]);
      expect(seen.wasm[0]!.status()).toBe(200);
      expect(seen.wasm[0]!.headers()['content-type']).toBe('application/wasm');
      expect(seen.wasm[0]!.headers()['content-encoding']).toMatch(/^(br|gzip)$/); // the build's, precompressed
      wasmPath = new URL(seen.wasm[0]!.url()).pathname;
      expect(foreign(seen.urls)).toEqual([]);
    });
    expect(cspViolations).toEqual([]);
  });

  it('never reads a code from a damaged QR code or from noise, however many frames it takes', async () => {
    for (const kind of ['damaged', 'noise'] as const) {
      await t.withCameraPhone(garbledVideo(kind, venue.checkinUrl), async (ctx) => {
        const frames = await countFrames(ctx);
        const seen = watch(ctx);
        const page = await ctx.newPage();
        const scan = `${t.base}/health/scan.html`;
        await page.goto(scan);
        // Twelve frames taken (eleven decoded), unless the page has left on a false read.
        await expect
          .poll(async () => page.url() !== scan || (await frames(page)) >= 12, { timeout: 30_000 })
          .toBe(true);
        expect(page.url()).toBe(scan);
        expect(await page.textContent('#scan-error')).toBe('');
        expect(await page.isVisible('#scan-video')).toBe(true);
        expect(seen.wasm.map((r) => r.status())).toEqual([200]);
        expect(foreign(seen.urls)).toEqual([]);
        if (kind === 'damaged') await shot(page, 'scan-scanning');
      });
    }
  });

  it('says so when the decoder cannot be loaded, and loads it when asked again', async () => {
    await t.withCameraPhone(venue.checkinUrl, async (ctx) => {
      await ctx.route('**/*.wasm', (route) => route.abort());
      const page = await ctx.newPage();
      await page.goto('/health/scan.html');
      await expect.poll(() => page.textContent('#scan-error'), { timeout: 30_000 }).toBe(UNAVAILABLE);
      expect(await page.isVisible('#scan-video')).toBe(false);
      await shot(page, 'scan-unavailable');
      await ctx.unroute('**/*.wasm');
      await page.click('#scan-camera');
      await page.waitForURL(/\/health\/checkin\.html\?c=CT1\./, { timeout: 30_000 });
    });
  });

  it("uses the browser's own BarcodeDetector when it reads QR codes, and then never fetches the WebAssembly", async () => {
    await t.withCameraPhone(venue.checkinUrl, async (ctx) => {
      // This Chromium has none (Android's has): a stand-in answering what it would read.
      await ctx.addInitScript((text) => {
        (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector = class {
          static getSupportedFormats = async () => ['qr_code', 'ean_13'];
          detect = async (img: ImageData) => (img.width > 0 && img.data.length > 0 ? [{ rawValue: text }] : []);
        };
      }, venue.checkinUrl);
      const seen = watch(ctx);
      const page = await ctx.newPage();
      await page.goto('/health/scan.html');
      await page.waitForURL(/\/health\/checkin\.html\?c=CT1\./, { timeout: 30_000 });
      expect(seen.urls.filter((u) => /zxing/.test(u))).toEqual([]);
    });
  });
});

describe('the WebAssembly file', () => {
  it('is served as the build precompressed it, brotli or gzip as the phone accepts, typed for streaming', async () => {
    expect(wasmPath).toBeTruthy();
    const get = (encoding: string) =>
      t.app.inject({ url: wasmPath, headers: encoding ? { 'accept-encoding': encoding } : {} });
    const [plain, br, gz] = [await get(''), await get('br, gzip'), await get('gzip')];
    for (const r of [plain, br, gz]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/wasm');
      expect(r.headers['cache-control']).toContain('immutable');
    }
    expect([plain.headers['content-encoding'], br.headers['content-encoding'], gz.headers['content-encoding']]).toEqual(
      [undefined, 'br', 'gzip'],
    );
    expect(plain.rawPayload.subarray(0, 4)).toEqual(Buffer.from('\0asm'));
    expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
  });
});

describe('security headers of the pages that scan', () => {
  it("gives 'wasm-unsafe-eval' to the scanning pages only", async () => {
    const page = await (await t.phone()).newPage();
    for (const path of ['/health/scan.html', '/health/verify.html?x=1'])
      expect(await securityHeaderProblems(page, path, { wasm: true })).toEqual([]);
    for (const path of ['/health/index.html', '/health/code.html', '/health/checkin.html'])
      expect(await securityHeaderProblems(page, path)).toEqual([]);
  });
});
