// Spill files that put records generated subscriber by subscriber back into
// time order with bounded memory: one binary file per hour of arrival, read
// back and counting-sorted by second when that hour is written out.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes per record: u32 subscriber, u32 ts (s), i32 location, u8 event, u8 flags, u16 arrival second in hour. */
export const RECORD_BYTES = 16;
const BUFFER_RECORDS = 4096;

export interface BucketRecord {
  sub: number;
  ts: number;
  loc: number;
  ev: number;
  flags: number;
}

export class HourBuckets {
  private readonly bufs = new Map<
    number,
    { buf: Buffer; u32: Uint32Array; i32: Int32Array; u16: Uint16Array; len: number; fd: number }
  >();

  constructor(
    private readonly dir: string,
    /** Arrival times are epoch seconds; bucket 0 starts here. */
    private readonly startSec: number,
  ) {
    rmSync(dir, { recursive: true, force: true }); // leftovers of an interrupted run would be appended to
    mkdirSync(dir, { recursive: true });
  }

  add(arrivalSec: number, sub: number, ts: number, loc: number, ev: number, flags: number): void {
    const rel = arrivalSec - this.startSec;
    const b = Math.floor(rel / 3600);
    let e = this.bufs.get(b);
    if (!e) {
      const buf = Buffer.alloc(BUFFER_RECORDS * RECORD_BYTES); // own ArrayBuffer: aligned typed views
      e = {
        buf,
        u32: new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4),
        i32: new Int32Array(buf.buffer, buf.byteOffset, buf.length / 4),
        u16: new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2),
        len: 0,
        fd: openSync(join(this.dir, `${b}.bin`), 'a'),
      };
      this.bufs.set(b, e);
    }
    const o = e.len;
    const w = o >> 2;
    e.u32[w] = sub;
    e.u32[w + 1] = ts;
    e.i32[w + 2] = loc;
    e.buf[o + 12] = ev;
    e.buf[o + 13] = flags;
    e.u16[(o >> 1) + 7] = rel - b * 3600;
    e.len += RECORD_BYTES;
    if (e.len === e.buf.length) {
      writeSync(e.fd, e.buf, 0, e.len);
      e.len = 0;
    }
  }

  /** The hour's records in arrival order (stable: generation order within a second). */
  take(b: number): { data: Buffer; order: Uint32Array } {
    const e = this.bufs.get(b);
    if (!e) return { data: Buffer.alloc(0), order: new Uint32Array(0) };
    if (e.len > 0) writeSync(e.fd, e.buf, 0, e.len);
    closeSync(e.fd);
    this.bufs.delete(b);
    const file = join(this.dir, `${b}.bin`);
    const data = readFileSync(file);
    unlinkSync(file);
    const n = data.length / RECORD_BYTES;
    const counts = new Uint32Array(3601);
    for (let i = 0; i < n; i++) counts[data.readUInt16LE(i * RECORD_BYTES + 14) + 1]!++;
    for (let s = 1; s <= 3600; s++) counts[s]! += counts[s - 1]!;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[counts[data.readUInt16LE(i * RECORD_BYTES + 14)]!++] = i;
    return { data, order };
  }

  close(): void {
    for (const e of this.bufs.values()) closeSync(e.fd);
    this.bufs.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
