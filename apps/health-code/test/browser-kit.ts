// What the health-code browser tests add to @itinerary-card/web/testing (Chromium,
// the phone, axe-core): the built pages (packages/web/dist, or a fresh Vite build
// into a temp dir when absent), screenshots named health-*, zbarimg, QR images and
// a Y4M writer for the fake camera.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { screenshot } from '@itinerary-card/web/testing';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';

const WEB_DIR = resolve(import.meta.dirname, '../../../packages/web');

/** The built pages: the repository's dist when it has the health pages, else a temp build. */
export async function webDist(): Promise<string> {
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

/** A two-frame 4:2:0 Y4M video of a QR code, for Chromium's fake camera. */
export function qrY4m(text: string, file: string): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const size = 640;
  const cell = Math.floor(size / (qr.size + 8));
  const off = Math.floor((size - cell * qr.size) / 2);
  const y = Buffer.alloc(size * size, 235);
  for (let r = 0; r < qr.size; r++)
    for (let c = 0; c < qr.size; c++)
      if (qr.get(r, c))
        for (let dy = 0; dy < cell; dy++)
          y.fill(
            16,
            (off + r * cell + dy) * size + off + c * cell,
            (off + r * cell + dy) * size + off + (c + 1) * cell,
          );
  const uv = Buffer.alloc((size / 2) * (size / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, uv]);
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${size} H${size} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
}
