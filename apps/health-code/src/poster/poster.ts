// Printable venue posters (单位码, 小区码, 车辆码, 核验码): the same A4 layout drawn
// into a PNG (anti-aliased raster) and a PDF (vector QR code and real text).

import { VENUE_KIND_ZH, type VenueKind } from '@itinerary-card/domain';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { Raster, type Rgb } from './raster.ts';
import { outlineText, type Polygon, posterFont, textWidth } from './text-outline.ts';

export interface PosterInput {
  kind: VenueKind;
  venueName: string;
  venueId: string;
  /** What the QR code carries: the check-in URL with the signed venue code. */
  qrText: string;
  /** The issuing city, e.g. 南昌市. */
  cityName: string;
  codeName: string;
}

const W = 595;
const H = 842;
const GREEN: Rgb = [15, 140, 80];
const DARK: Rgb = [30, 30, 30];
const WHITE: Rgb = [255, 255, 255];
const QR_TOP = 290;
const QR_SIZE = 360;

interface TextItem {
  text: string;
  size: number;
  y: number;
  colour: Rgb;
  /** Latin fallback when no CJK font is installed. */
  latin: string;
}

function layout(p: PosterInput): TextItem[] {
  return [
    { text: p.codeName, size: 56, y: 95, colour: WHITE, latin: 'HEALTH CODE' },
    { text: `${p.cityName}新冠肺炎疫情防控指挥部`, size: 16, y: 132, colour: WHITE, latin: '' },
    { text: VENUE_KIND_ZH[p.kind], size: 40, y: 215, colour: GREEN, latin: p.kind.toUpperCase() },
    { text: p.venueName, size: 28, y: 265, colour: DARK, latin: '' },
    { text: '请使用手机扫码 · 自助扫码打卡', size: 24, y: 705, colour: DARK, latin: 'Scan to check in' },
    { text: '打卡成功后可授权查询14天行程，出示给工作人员查验', size: 15, y: 740, colour: DARK, latin: '' },
    { text: `场所编号 ${p.venueId}`, size: 12, y: 800, colour: [110, 110, 110], latin: `Venue ${p.venueId}` },
  ];
}

function qrModules(text: string): { size: number; dark: (r: number, c: number) => boolean } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const m = qr.modules;
  return { size: m.size, dark: (r, c) => Boolean(m.get(r, c)) };
}

/** Text items as polygons in poster space (pt, y down), centred, shrunk to fit. */
function textPolygons(p: PosterInput): Array<{ polys: Polygon[]; colour: Rgb }> | null {
  const font = posterFont();
  if (!font) return null;
  return layout(p).map((t) => {
    let size = t.size;
    while (size > 8 && textWidth(font, t.text, size) > W - 60) size -= 1;
    const w = textWidth(font, t.text, size);
    return { polys: outlineText(font, t.text, size, (W - w) / 2, t.y).polygons, colour: t.colour };
  });
}

export function renderPosterPng(p: PosterInput, scale = 2): Buffer {
  const r = new Raster(Math.round(W * scale), Math.round(H * scale));
  r.fillRect(0, 0, W * scale, 150 * scale, GREEN);
  const q = qrModules(p.qrText);
  const cell = Math.floor((QR_SIZE * scale) / (q.size + 8));
  const qx = Math.round((W * scale - cell * q.size) / 2);
  const qy = Math.round(QR_TOP * scale + (QR_SIZE * scale - cell * q.size) / 2);
  for (let row = 0; row < q.size; row++) {
    for (let col = 0; col < q.size; col++)
      if (q.dark(row, col)) r.fillRect(qx + col * cell, qy + row * cell, cell, cell, DARK);
  }
  const texts = textPolygons(p);
  for (const t of texts ?? []) {
    const scaled = t.polys.map((poly) => poly.map((v) => v * scale));
    r.fillPolygons(scaled, t.colour);
  }
  return r.toPng();
}

/**
 * The poster as a one-page PDF: the QR code as vector runs and the text as real
 * text (pdfkit embeds the subset of the CJK font's glyphs it uses, so the PDF
 * is small, prints sharp, and its text can be searched and copied).
 */
export function renderPosterPdf(p: PosterInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [W, H],
    margin: 0,
    info: { Title: `${p.codeName} ${VENUE_KIND_ZH[p.kind]} ${p.venueId}`, Creator: 'itinerary-card health-code' },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.rect(0, 0, W, 150).fill(GREEN);
  const q = qrModules(p.qrText);
  const cell = QR_SIZE / (q.size + 8);
  const qx = (W - cell * q.size) / 2;
  const qTop = QR_TOP + 4 * cell;
  for (let row = 0; row < q.size; row++) {
    let col = 0;
    while (col < q.size) {
      if (!q.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < q.size && q.dark(row, col)) col++;
      doc.rect(qx + start * cell, qTop + row * cell, (col - start) * cell, cell);
    }
  }
  doc.fill(DARK);
  const font = posterFont();
  // pdfkit takes a fontkit font as it is (the one the PNG outlines are drawn with, parsed once);
  // its types list only files and buffers.
  doc.font(font ? (font as unknown as string) : 'Helvetica-Bold');
  for (const t of layout(p)) {
    const text = font ? t.text : t.latin;
    if (!text) continue;
    let size = font ? t.size : Math.min(t.size, 32);
    while (size > 8 && doc.fontSize(size).widthOfString(text) > W - 60) size -= 1;
    const w = doc.fontSize(size).widthOfString(text);
    doc.fillColor(t.colour).text(text, (W - w) / 2, t.y, { baseline: 'alphabetic', lineBreak: false });
  }
  doc.end();
  return done;
}
