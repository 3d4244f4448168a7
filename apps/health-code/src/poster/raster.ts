// A small RGB raster: filled rectangles, anti-aliased polygons (non-zero winding,
// 4 sub-scanlines per pixel, exact horizontal coverage) and a PNG encoder.
import { crc32, deflateSync } from 'node:zlib';
import type { Polygon } from './text-outline.ts';

export type Rgb = [number, number, number];
const SUB = 4;

export class Raster {
  readonly px: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: Rgb = [255, 255, 255],
  ) {
    this.px = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.px.set(bg, i * 3);
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.px.set(c, (yy * this.width + xx) * 3);
  }

  /** Fills polygons (together, non-zero winding) with colour c, anti-aliased. */
  fillPolygons(polys: readonly Polygon[], c: Rgb): void {
    if (polys.length === 0) return;
    let minY = Number.POSITIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    let minX = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    for (const p of polys) {
      for (let i = 0; i < p.length; i += 2) {
        minX = Math.min(minX, p[i]!);
        maxX = Math.max(maxX, p[i]!);
        minY = Math.min(minY, p[i + 1]!);
        maxY = Math.max(maxY, p[i + 1]!);
      }
    }
    const bx0 = Math.max(0, Math.floor(minX));
    const bx1 = Math.min(this.width, Math.ceil(maxX) + 1);
    const by0 = Math.max(0, Math.floor(minY));
    const by1 = Math.min(this.height, Math.ceil(maxY) + 1);
    const bw = bx1 - bx0;
    if (bw <= 0 || by1 <= by0) return;
    const cover = new Float32Array(bw);
    const xs: Array<[number, number]> = [];
    for (let py = by0; py < by1; py++) {
      cover.fill(0);
      for (let s = 0; s < SUB; s++) {
        const sy = py + (s + 0.5) / SUB;
        xs.length = 0;
        for (const p of polys) {
          const n = p.length;
          for (let i = 0; i < n; i += 2) {
            const x0 = p[i]!;
            const y0 = p[i + 1]!;
            const x1 = p[(i + 2) % n]!;
            const y1 = p[(i + 3) % n]!;
            if (y0 === y1) continue;
            const up = y0 < y1;
            const ya = up ? y0 : y1;
            const yb = up ? y1 : y0;
            if (sy < ya || sy >= yb) continue;
            xs.push([x0 + ((sy - y0) * (x1 - x0)) / (y1 - y0), up ? 1 : -1]);
          }
        }
        xs.sort((a, b) => a[0] - b[0]);
        let wind = 0;
        for (let k = 0; k < xs.length - 1; k++) {
          wind += xs[k]![1];
          if (wind === 0) continue;
          const xa = Math.max(bx0, xs[k]![0]);
          const xb = Math.min(bx1, xs[k + 1]![0]);
          if (xb <= xa) continue;
          for (let cx = Math.floor(xa); cx < Math.ceil(xb); cx++) {
            const ov = Math.min(xb, cx + 1) - Math.max(xa, cx);
            if (ov > 0) cover[cx - bx0]! += ov / SUB;
          }
        }
      }
      for (let i = 0; i < bw; i++) {
        const a = Math.min(1, cover[i]!);
        if (a <= 0) continue;
        const o = (py * this.width + bx0 + i) * 3;
        for (let ch = 0; ch < 3; ch++) this.px[o + ch] = Math.round(this.px[o + ch]! * (1 - a) + c[ch]! * a);
      }
    }
  }

  toPng(): Buffer {
    const row = this.width * 3 + 1;
    const raw = Buffer.alloc(row * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * row] = 0;
      raw.set(this.px.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * row + 1);
    }
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(td) >>> 0);
      return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 6 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}
