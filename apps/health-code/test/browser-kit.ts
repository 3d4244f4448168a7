// What the health-code browser tests add to @itinerary-card/web/testing (Chromium,
// the phone, axe-core): the app listening with the built pages (packages/web/dist,
// or a fresh Vite build into a temp dir when absent), Chromium and phones on it,
// sessions, holders and the pages' login and itinerary steps; screenshots named
// health-*, zbarimg, QR images and Y4M videos for the fake camera (a QR code, a
// picture such as a poster, garbled QR codes and noise).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beijingDate, beijingDayStart, systemClock } from '@itinerary-card/domain';
import { MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import { freePort } from '@itinerary-card/store/testing';
import { launchChromium, newPhone, type PhoneOptions, screenshot } from '@itinerary-card/web/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { expect } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import type { HealthCodeConfig } from '../src/config.ts';
import { type FakePartner, fakePartner } from './fake-partner.ts';
import { ADMIN, checkItinerary, idNumber, TestOutbox, testConfig } from './helpers.ts';

export type City = [code: string, province: string, city: string];
export const NANCHANG: City = ['360100', '江西省', '南昌市'];
export const WUHAN: City = ['420100', '湖北省', '武汉市'];

/** Every page that may come first once a page has loaded, the login box among them. */
const FIRST_SCREEN = '#login-phone, #person-form, #code-card, #venue-form, #checkin-success';

export interface BrowserAppOptions {
  /** The cities of each number's itinerary, as the partner double answers it; other numbers have none. */
  itineraries?: Record<string, City[]>;
  /** Over the test configuration (the public URL and the pages are the kit's). */
  config?: Partial<HealthCodeConfig>;
}

export interface BrowserApp {
  app: FastifyInstance;
  sql: Sql;
  sms: TestOutbox;
  partner: FakePartner;
  /** The app's URL, each phone's base URL. */
  base: string;
  browser: Browser;
  /** A fresh phone (its own storage) on the app, closed with it. */
  phone(options?: PhoneOptions): Promise<BrowserContext>;
  /** A page on a fresh phone logged in as `msisdn` (the page's stored token), or not logged in. */
  phoneOf(msisdn?: string, options?: PhoneOptions): Promise<Page>;
  /** A session token for a number, through the SMS code (one per number). */
  session(msisdn: string): Promise<string>;
  /** Registers a holder through the API, with an authorised itinerary check unless told otherwise. */
  register(msisdn: string, seq: string, over?: { symptoms?: boolean; authorise?: boolean }): Promise<void>;
  /** Logs in through the page's login box with the texted code, when the page shows the box. */
  logIn(page: Page, msisdn: string): Promise<void>;
  /**
   * Ticks the authorisation box and types the code the platform texted (the
   * partner double keeps it); `beforeConfirm` looks at the code step first.
   */
  authorise(page: Page, msisdn: string, beforeConfirm?: () => Promise<void>): Promise<void>;
  /**
   * Runs `use` with a phone allowed the camera, whose camera films `video`: a QR
   * code of that text, or a Y4M video (`pictureVideo`, `garbledVideo`): Chromium's
   * fake camera, a browser of its own, closed after.
   */
  withCameraPhone<T>(video: string | Buffer, use: (phone: BrowserContext) => Promise<T>): Promise<T>;
  /** A Y4M still of a picture (a poster's PNG) framed as a phone held in front of it, drawn by Chromium. */
  pictureVideo(png: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * The app on a free loopback port with the built pages, PGlite, the partner
 * double, 湖北省 an epidemic area since 2020, and Chromium.
 */
export async function startBrowserApp(options: BrowserAppOptions = {}): Promise<BrowserApp> {
  const dist = await webDist();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sql = await openPgliteSql();
  const kv = new MemoryKeyValue();
  const sms = new TestOutbox();
  const partner = fakePartner(beijingDayStart(beijingDate(Date.now())));
  for (const [msisdn, cities] of Object.entries(options.itineraries ?? {}))
    partner.answers.set(msisdn, { cities, countries: [] });
  const contexts: BrowserContext[] = [];
  const sessions = new Map<string, string>();
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await app?.close();
    await kv.close();
    await sql.close();
  };
  try {
    app = await buildHealthCode({
      sql,
      kv,
      clock: systemClock,
      sms,
      partner,
      config: testConfig({ ...options.config, publicUrl: base, webDist: dist }),
      timers: false,
    });
    await app.listen({ host: '127.0.0.1', port });
    const r = await app.inject({
      method: 'POST',
      url: '/api/hc/v1/admin/epidemic-areas',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { scope: 'province', code: '420000', from: '2020-01-01' },
    });
    expect(r.statusCode, r.body).toBe(201);
    browser = await launchChromium();
  } catch (e) {
    await close();
    throw e;
  }
  const started = { app, browser };

  const phone = async (o: PhoneOptions = {}) => {
    const ctx = await newPhone(started.browser, { baseURL: base, ...o });
    contexts.push(ctx);
    return ctx;
  };
  const session = async (msisdn: string) => {
    const known = sessions.get(msisdn);
    if (known) return known;
    const s = await started.app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone: msisdn } });
    expect(s.statusCode, s.body).toBe(200);
    const l = await started.app.inject({
      method: 'POST',
      url: '/api/hc/v1/login',
      payload: { phone: msisdn, code: sms.lastCode(msisdn) },
    });
    expect(l.statusCode, l.body).toBe(200);
    const token: string = l.json().token;
    sessions.set(msisdn, token);
    return token;
  };
  return {
    ...started,
    sql,
    sms,
    partner,
    base,
    phone,
    session,
    close,
    async phoneOf(msisdn, o) {
      const ctx = await phone(o);
      if (msisdn) await ctx.addInitScript((t) => localStorage.setItem('health-code.token', t), await session(msisdn));
      return ctx.newPage();
    },
    async register(msisdn, seq, over = {}) {
      const authorization = `Bearer ${await session(msisdn)}`;
      let itineraryCheckId: string | undefined;
      if (over.authorise !== false) {
        const c = await checkItinerary(started.app, partner, { authorization }, 'register');
        expect(c.statusCode, c.body).toBe(200);
        itineraryCheckId = c.json().checkId;
      }
      const r = await started.app.inject({
        method: 'POST',
        url: '/api/hc/v1/registrations',
        headers: { authorization },
        payload: {
          name: '王小明',
          idNumber: idNumber('360102', '1990-01-01', seq),
          address: '南昌市红谷滩区丰和中大道1号',
          epidemicSojourn: false,
          symptoms: over.symptoms ?? false,
          closeContact: false,
          ...(itineraryCheckId ? { itineraryCheckId } : {}),
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    },
    async logIn(page, msisdn) {
      const first = await page.waitForSelector(FIRST_SCREEN, { timeout: 10_000 });
      if ((await first.getAttribute('id')) !== 'login-phone') return;
      await page.fill('#login-phone', msisdn);
      await page.click('#login-send');
      await expect.poll(() => sms.list(msisdn).length).toBeGreaterThan(0);
      await page.fill('#login-code', sms.lastCode(msisdn));
      await page.click('#login-submit');
    },
    async authorise(page, msisdn, beforeConfirm) {
      await page.check('#itinerary-authorise');
      await page.waitForSelector('#itinerary-code');
      await page.fill('#itinerary-code', partner.lastGrantCode(msisdn));
      await beforeConfirm?.();
      await page.click('#itinerary-confirm');
    },
    async withCameraPhone(video, use) {
      const dir = mkdtempSync(join(tmpdir(), 'hc-camera-'));
      writeFileSync(join(dir, 'camera.y4m'), typeof video === 'string' ? qrVideo(video) : video);
      const cam = await launchChromium([
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${join(dir, 'camera.y4m')}`,
      ]);
      try {
        const ctx = await newPhone(cam, { baseURL: base });
        await ctx.grantPermissions(['camera'], { origin: base });
        return await use(ctx);
      } finally {
        await cam.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async pictureVideo(png) {
      const ctx = await started.browser.newContext();
      try {
        const frame = await (await ctx.newPage()).evaluate(yuvFrameOf, {
          png: png.toString('base64'),
          w: PICTURE_W,
          h: PICTURE_H,
        });
        return y4m(PICTURE_W, PICTURE_H, [Buffer.from(frame, 'base64')]);
      } finally {
        await ctx.close();
      }
    },
  };
}

const PICTURE_W = 720;
const PICTURE_H = 960;

/**
 * In the browser: the PNG drawn at 90 % of a white w×h frame, as a 4:2:0 frame
 * (Y, then U and V at half size: BT.601, full range as C420jpeg says), base64.
 */
async function yuvFrameOf({ png, w, h }: { png: string; w: number; h: number }): Promise<string> {
  const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))]));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const s = Math.min(w / bmp.width, h / bmp.height) * 0.9;
  ctx.drawImage(bmp, (w - bmp.width * s) / 2, (h - bmp.height * s) / 2, bmp.width * s, bmp.height * s);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const out = new Uint8Array((w * h * 3) / 2);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < w * h; i++)
    out[i] = clamp(0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!);
  const quarter = (w / 2) * (h / 2);
  for (let y = 0; y < h / 2; y++)
    for (let x = 0; x < w / 2; x++) {
      const p = (y * 2 * w + x * 2) * 4;
      const [r, g, b] = [rgba[p]!, rgba[p + 1]!, rgba[p + 2]!];
      out[w * h + y * (w / 2) + x] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      out[w * h + quarter + y * (w / 2) + x] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  let bin = '';
  for (let i = 0; i < out.length; i += 0x8000) bin += String.fromCharCode(...out.subarray(i, i + 0x8000));
  return btoa(bin);
}

const WEB_DIR = resolve(import.meta.dirname, '../../../packages/web');

/** The built pages: the repository's dist when it has the health pages, else a temp build. */
async function webDist(): Promise<string> {
  const dist = join(WEB_DIR, 'dist');
  if (existsSync(join(dist, 'health', 'verify.html'))) return dist;
  const out = mkdtempSync(join(tmpdir(), 'hc-web-'));
  const { build } = await import('vite');
  await build({
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: out, emptyOutDir: true },
  });
  return out;
}

/** A full-page screenshot at `packages/web/test-artifacts/health-<name>.png`. */
export function shot(page: Page, name: string): Promise<string> {
  return screenshot(page, `health-${name}`);
}

/** What zbarimg (Debian's zbar-tools) reads in an image file. */
export function zbar(file: string): string {
  return execFileSync('zbarimg', ['--quiet', '--raw', file], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
  })
    .toString()
    .trim();
}

/** A PNG of a QR code carrying `text` (for upload tests). */
export async function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 4, width: 480 });
}

const QR_SIZE = 640;

/** A Y4M video (4:2:0, 10 frames a second) of `frames`, each its Y plane then U and V at half size. */
function y4m(w: number, h: number, frames: Buffer[]): Buffer {
  const head = Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`);
  return Buffer.concat([head, ...frames.flatMap((f) => [Buffer.from('FRAME\n'), f])]);
}

/** A grey QR_SIZE² frame of its Y plane (U and V neutral). */
function greyFrame(luma: Buffer): Buffer {
  return Buffer.concat([luma, Buffer.alloc((QR_SIZE / 2) * (QR_SIZE / 2) * 2, 128)]);
}

/** The Y plane of a QR code of `text` centred on a light frame; `flip(row, col)` inverts a module. */
function qrLuma(text: string, flip: (r: number, c: number, n: number) => boolean = () => false): Buffer {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const cell = Math.floor(QR_SIZE / (qr.size + 8));
  const off = Math.floor((QR_SIZE - cell * qr.size) / 2);
  const y = Buffer.alloc(QR_SIZE * QR_SIZE, 235);
  for (let r = 0; r < qr.size; r++)
    for (let c = 0; c < qr.size; c++)
      if (Boolean(qr.get(r, c)) !== flip(r, c, qr.size))
        for (let dy = 0; dy < cell; dy++)
          y.fill(
            16,
            (off + r * cell + dy) * QR_SIZE + off + c * cell,
            (off + r * cell + dy) * QR_SIZE + off + (c + 1) * cell,
          );
  return y;
}

/** A two-frame video of a QR code of `text`. */
function qrVideo(text: string): Buffer {
  const frame = greyFrame(qrLuma(text));
  return y4m(QR_SIZE, QR_SIZE, [frame, frame]);
}

/** A pseudo-random sequence from `seed` (the same frames every run). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * Videos no QR code can be read from: `damaged` is a QR code of `text` whose
 * finder patterns and format information are intact but with every other
 * module inside them flipped at random, half of them (far beyond what error
 * correction repairs); `noise` is random grey.
 */
export function garbledVideo(kind: 'damaged' | 'noise', text: string): Buffer {
  const next = random(kind === 'damaged' ? 24 : 42);
  if (kind === 'noise') {
    const luma = Buffer.alloc(QR_SIZE * QR_SIZE);
    for (let i = 0; i < luma.length; i++) luma[i] = 16 + Math.floor(next() * 220);
    return y4m(QR_SIZE, QR_SIZE, [greyFrame(luma)]);
  }
  const inner = (i: number, n: number) => i > 8 && i < n - 9;
  const luma = qrLuma(text, (r, c, n) => inner(r, n) && inner(c, n) && next() < 0.5);
  return y4m(QR_SIZE, QR_SIZE, [greyFrame(luma)]);
}
