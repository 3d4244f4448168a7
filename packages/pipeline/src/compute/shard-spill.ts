// Records of a run too big for one shard, spread over per-shard files in one
// read of the input. Each shard is then loaded from its file alone: the input
// is read (and its text parsed, joined and checked by DuckDB) once, however
// many shards there are, and memory holds one shard at a time.
//
// A shard's file is a sequence of blocks, each laid out so that every column
// starts aligned: [records n, runs r] (2 × int32), t (n × float64),
// subscriber, place, event (n × int32 each), the run starts (r × int32, block
// positions where a piece of input began, see EventBuffer.beginRun), padding
// to 8 bytes.
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@itinerary-card/domain';
import { alive } from '../publish/atomic-files.ts';
import type { EventBuffer, RecordSink } from './event-buffer.ts';

/** Records buffered per shard before they are written out. */
const BLOCK_RECORDS = 1 << 14;

class ShardFile {
  readonly t: Float64Array;
  readonly sub: Int32Array;
  readonly place: Int32Array;
  readonly ev: Int32Array;
  runStarts: number[] = [];
  /** Records in the block being filled. */
  n = 0;
  /** Records and bytes written to the file. */
  written = 0;
  bytes = 0;
  /** The piece of input this shard's last record came from. */
  lastRun = -1;
  constructor(
    readonly path: string,
    readonly fd: number,
    block: number,
  ) {
    this.t = new Float64Array(block);
    this.sub = new Int32Array(block);
    this.place = new Int32Array(block);
    this.ev = new Int32Array(block);
  }
}

const PREFIX = 'itinerary-card-shards-';
/** Bytes a record takes in a shard file (t, subscriber, place, event). */
const RECORD_BYTES = 20;

/** `needed` is known before the scan (from the records expected); a write that fails has only the space left. */
function noRoom(dir: string, free: number, needed?: number, cause?: unknown): AppError {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  const details = needed === undefined ? { dir, free: gb(free) } : { dir, needs: gb(needed), free: gb(free) };
  return new AppError('SPILL_NO_ROOM', details, { cause });
}

/**
 * Removes the shard files of runs that were killed before they could (their
 * directory names the process): they can be gigabytes.
 */
function removeOrphans(parent: string): void {
  for (const name of readdirSync(parent)) {
    const m = name.startsWith(PREFIX) ? /^(\d+)-/.exec(name.slice(PREFIX.length)) : null;
    if (m && !alive(Number(m[1]))) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function blockBytes(n: number, runs: number): number {
  const bytes = 8 + 8 * n + 12 * n + 4 * runs;
  return bytes + ((8 - (bytes % 8)) % 8);
}

export class ShardSpill implements RecordSink {
  private readonly dir: string;
  private readonly files: ShardFile[] = [];
  private run = 0;
  private closed = false;

  /**
   * `expected`: records the input is thought to hold, to check before reading that
   * `parent` (the system's temporary directory, TMPDIR, by default) has room for them;
   * `block`: records buffered per shard before they are written.
   */
  constructor(
    readonly shards: number,
    expected: number,
    private readonly parent = tmpdir(),
    private readonly block = BLOCK_RECORDS,
  ) {
    removeOrphans(parent);
    const fs = statfsSync(parent);
    const free = fs.bavail * fs.bsize;
    const needed = Math.ceil(expected * RECORD_BYTES * 1.1);
    if (needed > free) throw noRoom(parent, free, needed);
    this.dir = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
    try {
      for (let s = 0; s < shards; s++) {
        const path = join(this.dir, `shard-${s}.bin`);
        this.files.push(new ShardFile(path, openSync(path, 'w+', 0o600), block));
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Records in shard s (all written once `finish` has run). */
  count(s: number): number {
    const f = this.files[s]!;
    return f.written + f.n;
  }

  reserve(): void {}

  beginRun(): void {
    this.run++;
  }

  append(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array): void {
    for (let i = 0; i < sub.length; i++) this.push(sub[i]!, t[i]!, place[i]!, ev[i]!);
  }

  appendKept(sub: Int32Array, t: Float64Array, place: Int32Array, ev: Int32Array, keep: Uint8Array): number {
    let added = 0;
    for (let i = 0; i < sub.length; i++) {
      if (keep[i] !== 1) continue;
      this.push(sub[i]!, t[i]!, place[i]!, ev[i]!);
      added++;
    }
    return added;
  }

  push(sub: number, t: number, place: number, ev: number): void {
    const f = this.files[sub % this.shards]!;
    if (f.n === this.block) this.flush(f);
    if (f.lastRun !== this.run) {
      f.lastRun = this.run;
      f.runStarts.push(f.n);
    }
    const k = f.n++;
    f.sub[k] = sub;
    f.t[k] = t;
    f.place[k] = place;
    f.ev[k] = ev;
  }

  private flush(f: ShardFile): void {
    const { n } = f;
    if (n === 0) return;
    const runs = f.runStarts;
    const out = new ArrayBuffer(blockBytes(n, runs.length));
    const head = new Int32Array(out, 0, 2);
    head[0] = n;
    head[1] = runs.length;
    new Float64Array(out, 8, n).set(f.t.subarray(0, n));
    new Int32Array(out, 8 + 8 * n, n).set(f.sub.subarray(0, n));
    new Int32Array(out, 8 + 12 * n, n).set(f.place.subarray(0, n));
    new Int32Array(out, 8 + 16 * n, n).set(f.ev.subarray(0, n));
    new Int32Array(out, 8 + 20 * n, runs.length).set(runs);
    const bytes = new Uint8Array(out);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(f.fd, bytes, at, bytes.length - at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      const fs = statfsSync(this.parent);
      throw noRoom(this.parent, fs.bavail * fs.bsize, undefined, e);
    }
    f.written += n;
    f.bytes += bytes.length;
    f.n = 0;
    // The next record starts a run (a piece of input split over two blocks is two runs).
    f.runStarts = [];
    f.lastRun = -1;
  }

  /** Writes out what is still buffered; call once the input has been read. */
  finish(): void {
    for (const f of this.files) this.flush(f);
  }

  /** Appends shard s's records to `buf`, piece of input by piece, in the order they were read. */
  load(s: number, buf: EventBuffer): void {
    const f = this.files[s]!;
    buf.reserve(f.written);
    const scratch = new ArrayBuffer(blockBytes(this.block, this.block));
    const bytes = new Uint8Array(scratch);
    let pos = 0;
    const read = (len: number) => {
      for (let got = 0; got < len; ) {
        const r = readSync(f.fd, bytes, got, len - got, pos + got);
        if (r === 0) throw new Error(`shard file ${f.path} ends early`);
        got += r;
      }
    };
    while (pos < f.bytes) {
      read(8);
      const head = new Int32Array(scratch, 0, 2);
      const n = head[0]!;
      const runs = head[1]!;
      const len = blockBytes(n, runs);
      read(len);
      const t = new Float64Array(scratch, 8, n);
      const sub = new Int32Array(scratch, 8 + 8 * n, n);
      const place = new Int32Array(scratch, 8 + 12 * n, n);
      const ev = new Int32Array(scratch, 8 + 16 * n, n);
      const starts = new Int32Array(scratch, 8 + 20 * n, runs);
      for (let r = 0; r < runs; r++) {
        const a = starts[r]!;
        const b = r + 1 < runs ? starts[r + 1]! : n;
        buf.beginRun();
        buf.append(sub.subarray(a, b), t.subarray(a, b), place.subarray(a, b), ev.subarray(a, b));
      }
      pos += len;
    }
  }

  /** Removes the files; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.files) closeSync(f.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
