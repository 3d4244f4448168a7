// Draws the site icon (the card's green disc with a white tick) into
// dist/favicon.ico: one 48 px PNG in an ICO container, made here with zlib so
// no image tool or binary file is needed. Each pixel is sampled 4x4 times for
// smooth edges.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { webDistDir } from '../src/index.ts';

const SIZE = 48;
const GREEN = [0x0f, 0x9d, 0x58];
const WHITE = [0xff, 0xff, 0xff];
/** The tick, in a 0..1 square: two strokes. */
const TICK: Array<[number, number, number, number]> = [
  [0.3, 0.52, 0.44, 0.66],
  [0.44, 0.66, 0.72, 0.36],
];

function distToSegment(px: number, py: number, [ax, ay, bx, by]: [number, number, number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** RGBA of one pixel: coverage of the disc and of the tick over 16 samples. */
function pixel(x: number, y: number): number[] {
  let disc = 0;
  let tick = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      const px = (x + (i + 0.5) / 4) / SIZE;
      const py = (y + (j + 0.5) / 4) / SIZE;
      if (Math.hypot(px - 0.5, py - 0.5) <= 0.48) {
        disc++;
        if (Math.min(...TICK.map((s) => distToSegment(px, py, s))) <= 0.06) tick++;
      }
    }
  if (disc === 0) return [0, 0, 0, 0];
  const w = tick / disc;
  const rgb = GREEN.map((g, k) => Math.round(g * (1 - w) + WHITE[k]! * w));
  return [...rgb, Math.round((disc / 16) * 255)];
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function faviconPng(): Buffer {
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < SIZE; x++) rows.push(...pixel(x, y));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO file holding one PNG image (Windows Vista's format, read by every browser). */
function faviconIco(): Buffer {
  const png = faviconPng();
  const head = Buffer.alloc(6 + 16);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // icon
  head.writeUInt16LE(1, 4); // one image
  head.writeUInt8(SIZE, 6);
  head.writeUInt8(SIZE, 7);
  head.writeUInt16LE(1, 10); // planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(png.length, 14);
  head.writeUInt32LE(head.length, 18);
  return Buffer.concat([head, png]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ico = faviconIco();
  writeFileSync(join(webDistDir, 'favicon.ico'), ico);
  console.log(`favicon.ico ${ico.length} bytes`);
}
