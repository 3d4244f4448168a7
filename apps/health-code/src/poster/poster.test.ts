import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  it('renders a one-page PDF with real text and a QR code a decoder reads once printed (pdftoppm)', async () => {
    const pdf = await renderPosterPdf(input);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = mkdtempSync(join(tmpdir(), 'hc-poster-'));
    try {
      const file = join(dir, 'poster.pdf');
      writeFileSync(file, pdf);
      if (existsSync(ARTIFACTS)) writeFileSync(join(ARTIFACTS, 'health-poster.pdf'), pdf);
      const run = (cmd: string, ...args: string[]) =>
        execFileSync(cmd, args, {
          env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
          stdio: 'pipe',
        }).toString();
      expect(run('pdfinfo', file)).toMatch(/^Pages:\s+1$/m);
      // The text is text (the CJK font's glyphs embedded with their Unicode map), not outlines.
      const text = run('pdftotext', '-layout', file, '-');
      for (const line of ['昌通码', '单位码', input.venueName, '请使用手机扫码', `场所编号 ${input.venueId}`])
        expect(text).toContain(line);
      run('pdftoppm', '-r', '100', '-png', '-singlefile', file, join(dir, 'page'));
      if (existsSync(ARTIFACTS))
        writeFileSync(join(ARTIFACTS, 'health-poster-pdf.png'), readFileSync(join(dir, 'page.png')));
      expect(run('zbarimg', '--quiet', '--raw', join(dir, 'page.png')).trim()).toBe(input.qrText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
