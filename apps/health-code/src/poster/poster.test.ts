import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { renderPosterPdf, renderPosterPng } from './poster.ts';

const ARTIFACTS = resolve(import.meta.dirname, '../../../../packages/web/test-artifacts');

const input = {
  kind: 'unit' as const,
  venueName: '南昌市红谷滩区某某科技有限公司',
  venueId: 'V7K2M9QX',
  qrText:
    'http://127.0.0.1:3000/health/checkin.html?c=CT1.WyJWIiwiYWJjIiwxNjYyNjAxNjAwLCJ1bml0Iiwi5Y2X5piMIiwidjEiXQ.' +
    'A'.repeat(86),
  cityName: '南昌市',
  codeName: '昌通码',
};

describe('venue posters', () => {
  it('renders a PNG whose QR code an independent decoder (zbarimg) reads', () => {
    const png = renderPosterPng(input);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const dir = mkdtempSync(join(tmpdir(), 'hc-poster-'));
    try {
      const file = join(dir, 'poster.png');
      writeFileSync(file, png);
      if (existsSync(ARTIFACTS)) writeFileSync(join(ARTIFACTS, 'health-poster.png'), png);
      const out = execFileSync('zbarimg', ['--quiet', '--raw', file], {
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
      })
        .toString()
        .trim();
      expect(out).toBe(input.qrText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('renders a one-page PDF', async () => {
    const pdf = await renderPosterPdf(input);
    const head = Buffer.from(pdf.subarray(0, 5)).toString();
    expect(head).toBe('%PDF-');
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
    if (existsSync(ARTIFACTS)) writeFileSync(join(ARTIFACTS, 'health-poster.pdf'), pdf);
  });
});
