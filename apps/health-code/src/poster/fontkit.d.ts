// The little of fontkit (no bundled types) that the poster renderer uses.
declare module 'fontkit' {
  export interface PathCommand {
    command: 'moveTo' | 'lineTo' | 'quadraticCurveTo' | 'bezierCurveTo' | 'closePath';
    args: number[];
  }
  export interface Glyph {
    path: { commands: PathCommand[] };
    advanceWidth: number;
  }
  export interface GlyphRun {
    glyphs: Glyph[];
    positions: Array<{ xAdvance: number; xOffset: number; yOffset: number }>;
  }
  export interface Font {
    unitsPerEm: number;
    postscriptName: string;
    layout(text: string): GlyphRun;
  }
  export function openSync(path: string, postscriptName?: string): Font;
}
