// Turns a line of text into polygons (flattened glyph outlines) with a CJK font
// from Debian's fonts-noto-cjk, so posters carry Chinese text as vector paths in
// the PDF and as anti-aliased pixels in the PNG, without embedding a 20 MB font.
import { existsSync } from 'node:fs';
import { type Font, openSync } from 'fontkit';

const CANDIDATES: Array<[string, string]> = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', 'NotoSansCJKsc-Bold'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf', ''],
];

let cached: Font | null | undefined;

/** The poster font, or null when no CJK font is installed (posters then carry Latin text only). */
export function posterFont(path?: string): Font | null {
  if (cached !== undefined && !path) return cached;
  const list = path ? [[path, ''] as [string, string]] : CANDIDATES;
  for (const [file, ps] of list) {
    if (!existsSync(file)) continue;
    try {
      const f = ps ? openSync(file, ps) : openSync(file);
      if (!path) cached = f;
      return f;
    } catch {
      // A broken font file: try the next one.
    }
  }
  if (!path) cached = null;
  return null;
}

/** A closed polygon in pixel space (y down). */
export type Polygon = Float64Array;

export interface TextShape {
  polygons: Polygon[];
  width: number;
}

/** Outlines `text` at `size` px with its baseline at (x, y), y growing downwards. */
export function outlineText(font: Font, text: string, size: number, x: number, y: number): TextShape {
  const scale = size / font.unitsPerEm;
  const run = font.layout(text);
  const polygons: Polygon[] = [];
  let pen = x;
  run.glyphs.forEach((g, i) => {
    const pos = run.positions[i]!;
    const ox = pen + pos.xOffset * scale;
    const oy = y - pos.yOffset * scale;
    let pts: number[] = [];
    let cx = 0;
    let cy = 0;
    const flush = () => {
      if (pts.length >= 6) polygons.push(Float64Array.from(pts));
      pts = [];
    };
    const P = (fx: number, fy: number) => pts.push(ox + fx * scale, oy - fy * scale);
    for (const c of g.path.commands) {
      const a = c.args;
      if (c.command === 'moveTo') {
        flush();
        P(a[0]!, a[1]!);
        [cx, cy] = [a[0]!, a[1]!];
      } else if (c.command === 'lineTo') {
        P(a[0]!, a[1]!);
        [cx, cy] = [a[0]!, a[1]!];
      } else if (c.command === 'quadraticCurveTo') {
        for (let s = 1; s <= 6; s++) {
          const t = s / 6;
          const u = 1 - t;
          P(u * u * cx + 2 * u * t * a[0]! + t * t * a[2]!, u * u * cy + 2 * u * t * a[1]! + t * t * a[3]!);
        }
        [cx, cy] = [a[2]!, a[3]!];
      } else if (c.command === 'bezierCurveTo') {
        for (let s = 1; s <= 8; s++) {
          const t = s / 8;
          const u = 1 - t;
          P(
            u * u * u * cx + 3 * u * u * t * a[0]! + 3 * u * t * t * a[2]! + t * t * t * a[4]!,
            u * u * u * cy + 3 * u * u * t * a[1]! + 3 * u * t * t * a[3]! + t * t * t * a[5]!,
          );
        }
        [cx, cy] = [a[4]!, a[5]!];
      } else flush();
    }
    flush();
    pen += pos.xAdvance * scale;
  });
  return { polygons, width: pen - x };
}

/** Width in px of `text` at `size`. */
export function textWidth(font: Font, text: string, size: number): number {
  const run = font.layout(text);
  return run.positions.reduce((s, p) => s + p.xAdvance, 0) * (size / font.unitsPerEm);
}
