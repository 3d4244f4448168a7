// Writes one day's signaling file from the hour buckets: lines formatted
// straight into byte buffers (the hot path at a million subscribers), gzip on
// the thread pool, Parquet through DuckDB. Deliberately malformed lines are
// rendered here from their flags.
import { closeSync, createWriteStream, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip, type ZlibOptions } from 'node:zlib';
import { beijingDate, formatBeijing, OPERATORS, type Operator } from '@itinerary-card/domain';
import { type CellTable, cellId } from './geography.ts';
import { type HourBuckets, RECORD_BYTES } from './hour-buckets.ts';
import { EVENTS } from './signaling.ts';
import { FLAG_EPOCH_MS, FLAG_UNKNOWN_CELL, MALFORMED_SHIFT } from './truth.ts';

export type SignalingFormat = 'csv' | 'csv.gz' | 'parquet';

/** zlib streams take Transform options too (not in the typings): a large write buffer. */
const GZIP_OPTIONS: ZlibOptions & { highWaterMark: number } = { level: 1, highWaterMark: 4 << 20 };
const OUT_BYTES = 1 << 20;
const MSISDN_BYTES = 11;
const CELL_BYTES = 13; // 46000-0A1B2C3

const C_COMMA = 44;
export const HEADER = 'msisdn,ts,cell_id,plmn,event';

export interface DayFileContext {
  cells: CellTable;
  plmns: readonly string[];
  /** All msisdns, 11 ASCII bytes each, by subscriber index. */
  msisdnBytes: Buffer;
  msisdns: readonly string[];
}

/** Fixed byte tables: cell ids, "MM:SS+08:00" for every second of an hour, event names. */
export class ByteTables {
  readonly cellIds: Buffer;
  readonly mmss: Buffer;
  readonly events: Buffer[];
  constructor(cells: CellTable) {
    this.cellIds = Buffer.alloc(cells.id.length * CELL_BYTES);
    cells.id.forEach((id, i) => {
      if (id.length !== CELL_BYTES) throw new Error(`unexpected cell id length: ${id}`);
      this.cellIds.write(id, i * CELL_BYTES, 'latin1');
    });
    this.mmss = Buffer.alloc(3600 * 11);
    for (let s = 0; s < 3600; s++) {
      const t = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}+08:00`;
      this.mmss.write(t, s * 11, 'latin1');
    }
    this.events = EVENTS.map((e) => Buffer.from(`${e}\n`, 'latin1'));
  }
}

/** Byte loop: Buffer.copy costs far more than the copy itself for a dozen bytes. */
function put(out: Buffer, pos: number, src: Buffer, from: number, n: number): number {
  for (let i = 0; i < n; i++) out[pos + i] = src[from + i]!;
  return pos + n;
}

/**
 * The signaling split per operator and day as the demo's nodes read it:
 * `<root>/<operator>/<day>/signaling/part-0.csv`, each line in the part of its
 * subscriber's operator and its time's Beijing day; a malformed line where
 * `route` puts it (the demo's rule for lines it cannot read). Lines keep the
 * order of the day files they would have been written to.
 */
export interface SplitOptions {
  root: string;
  /** Where a malformed line goes; `dayFile` is the path the day's file would have had. */
  route(line: string, dayFile: string): { operator: Operator; day: string };
}

/** Lines are formatted straight into one of these; after each line it has room for another (LINE_ROOM). */
interface LineBuffer {
  buf: Buffer;
  pos: number;
}

/** Room for the longest line (a malformed one included, about 100 bytes). */
const LINE_ROOM = 256;
const PART_BYTES = 1 << 20;
const SECONDS_PER_DAY = 86_400;
/** Days after the first part's that have a slot (SplitParts.partOf); later ones are found by name. */
const SLOT_DAYS = 64;

interface Part extends LineBuffer {
  fd: number;
}

/** The open parts of a split, each written through a buffer of its own. */
export class SplitParts {
  private readonly parts = new Map<string, Part>();
  /** Parts by operator and day number (slot = (day - firstDay) * operators + operator): no key string per line. */
  private readonly slots: Array<Part | undefined> = [];
  private firstDay: number | undefined;
  /** Days with a part (not 'unknown'). */
  readonly days = new Set<string>();
  private readonly header: Buffer;

  constructor(
    readonly options: SplitOptions,
    /** Operator (index into OPERATORS) of each subscriber. */
    readonly operatorOf: Uint8Array,
    header: string,
  ) {
    this.header = Buffer.from(`${header}\n`, 'latin1');
  }

  /** The part of a subscriber's line at a time in seconds: its operator's, its Beijing day's. */
  partOf(sub: number, sec: number): Part {
    const op = this.operatorOf[sub]!;
    const day = Math.floor((sec + 8 * 3600) / SECONDS_PER_DAY);
    this.firstDay ??= day;
    const slot = (day - this.firstDay) * OPERATORS.length + op;
    if (slot < 0 || slot >= SLOT_DAYS * OPERATORS.length) return this.part(OPERATORS[op]!, beijingDate(sec * 1000));
    let p = this.slots[slot];
    if (p === undefined) {
      p = this.part(OPERATORS[op]!, beijingDate(sec * 1000));
      this.slots[slot] = p;
    }
    return p;
  }

  /** The part of `operator` and `day` (opened with its header on first use). */
  part(operator: string, day: string): Part {
    const key = `${operator}/${day}`;
    let p = this.parts.get(key);
    if (!p) {
      const dir = join(this.options.root, operator, day, 'signaling');
      mkdirSync(dir, { recursive: true });
      p = { fd: openSync(join(dir, 'part-0.csv'), 'w'), buf: Buffer.allocUnsafe(PART_BYTES), pos: 0 };
      this.parts.set(key, p);
      if (day !== 'unknown') this.days.add(day);
      this.header.copy(p.buf, 0);
      p.pos = this.header.length;
    }
    return p;
  }

  /** Writes a part's buffer out when it has less than a line's room left. */
  flushIfFull(p: Part): void {
    if (p.pos <= PART_BYTES - LINE_ROOM) return;
    writeSync(p.fd, p.buf, 0, p.pos);
    p.pos = 0;
  }

  /** Writes what is left and closes every part; returns the parts' paths (relative to the root), lines and bytes. */
  close(): Array<{ name: string; bytes: number }> {
    const out: Array<{ name: string; bytes: number }> = [];
    for (const [key, p] of this.parts) {
      if (p.pos) writeSync(p.fd, p.buf, 0, p.pos);
      closeSync(p.fd);
      const name = `${key}/signaling/part-0.csv`;
      out.push({ name, bytes: statSync(join(this.options.root, name)).size });
    }
    this.parts.clear();
    this.slots.length = 0;
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

async function writeChunk(stream: Writable, b: Buffer | string): Promise<void> {
  if (!stream.write(b)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

/**
 * Writes one day's lines, from its 24 hour buckets, to the day's file (CSV, gzip,
 * Parquet), or with `split` each to its part of the split (the day's file is then
 * not written). One formatting loop for both: each line goes straight into the
 * buffer of where it goes.
 */
export async function writeDayFile(opts: {
  path: string;
  format: SignalingFormat;
  buckets: HourBuckets;
  firstBucket: number;
  epochMsFile: boolean;
  ctx: DayFileContext;
  tables: ByteTables;
  /** Lines go to these parts instead of the day's file (which is not written). */
  split?: SplitParts;
}): Promise<{ lines: number; bytes: number }> {
  const { ctx, tables, split } = opts;
  const csvPath = opts.format === 'parquet' ? `${opts.path}.tmp.csv` : opts.path;
  const sink = split ? undefined : createWriteStream(csvPath, { highWaterMark: 4 << 20 });
  const stream: Writable | undefined = sink && (opts.format === 'csv.gz' ? createGzip(GZIP_OPTIONS) : sink);
  if (stream && stream !== sink) stream.pipe(sink!);
  if (stream) await writeChunk(stream, `${HEADER}\n`);
  // The day file's buffer: a new one after each write (the stream keeps the one written until it is done).
  const file: LineBuffer = { buf: Buffer.allocUnsafe(split ? 0 : OUT_BYTES), pos: 0 };
  const flushFile = async () => {
    await writeChunk(stream!, file.buf.subarray(0, file.pos));
    file.buf = Buffer.allocUnsafe(OUT_BYTES);
    file.pos = 0;
  };
  let prefixHour = -1;
  const prefix = Buffer.alloc(14); // 2022-09-01T08:
  let lines = 0;
  for (let h = 0; h < 24; h++) {
    const taken = opts.buckets.take(opts.firstBucket + h);
    const order = taken.order;
    let data = taken.data;
    if (data.byteOffset & 3) {
      // Typed views need 4-byte alignment (Buffer.alloc never uses the shared pool).
      const aligned = Buffer.alloc(data.length);
      data.copy(aligned);
      data = aligned;
    }
    const u32 = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    const i32 = new Int32Array(data.buffer, data.byteOffset, data.length / 4);
    for (let k = 0; k < order.length; k++) {
      const o = order[k]! * RECORD_BYTES;
      const sub = u32[o >> 2]!;
      const ts = u32[(o >> 2) + 1]!;
      const loc = i32[(o >> 2) + 2]!;
      const ev = data[o + 12]!;
      const flags = data[o + 13]!;
      const malformed = (flags >> MALFORMED_SHIFT) & 7;
      let to: LineBuffer;
      if (malformed !== 0) {
        const f = opts.epochMsFile ? flags | FLAG_EPOCH_MS : flags;
        const line = malformedLine(malformed, ctx.msisdns[sub]!, ts, sub, f, loc, ev, ctx);
        const where = split?.options.route(line, opts.path);
        to = where ? split!.part(where.operator, where.day) : file;
        to.pos += to.buf.write(`${line}\n`, to.pos, 'latin1');
      } else {
        to = split ? split.partOf(sub, ts) : file;
        const out = to.buf;
        // msisdn,
        let pos = put(out, to.pos, ctx.msisdnBytes, sub * MSISDN_BYTES, MSISDN_BYTES);
        out[pos++] = C_COMMA;
        // ts,
        if (opts.epochMsFile || flags & FLAG_EPOCH_MS) {
          pos += out.write(`${ts}000`, pos, 'latin1');
        } else {
          const hr = Math.floor(ts / 3600);
          if (hr !== prefixHour) {
            prefixHour = hr;
            prefix.write(formatBeijing(hr * 3_600_000).slice(0, 14), 0, 'latin1');
          }
          pos = put(out, pos, prefix, 0, 14);
          pos = put(out, pos, tables.mmss, (ts - hr * 3600) * 11, 11);
        }
        out[pos++] = C_COMMA;
        // cell_id,plmn,
        if (flags & FLAG_UNKNOWN_CELL) {
          pos += out.write(`${cellId(OPERATORS[(flags >> 5) & 3]!, loc)},`, pos, 'latin1');
        } else if (loc >= 0) {
          pos = put(out, pos, tables.cellIds, loc * CELL_BYTES, CELL_BYTES);
          out[pos++] = C_COMMA;
        } else {
          out[pos++] = C_COMMA;
          pos += out.write(ctx.plmns[-loc - 1]!, pos, 'latin1');
        }
        out[pos++] = C_COMMA;
        // event\n
        const e = tables.events[ev]!;
        to.pos = put(out, pos, e, 0, e.length);
      }
      if (split) split.flushIfFull(to as Part);
      else if (file.pos > OUT_BYTES - LINE_ROOM) await flushFile();
    }
    lines += order.length;
  }
  if (!stream) return { lines, bytes: 0 };
  if (file.pos > 0) await flushFile();
  await new Promise<void>((resolve, reject) => {
    sink!.once('finish', resolve);
    sink!.once('error', reject);
    stream.end();
  });
  if (opts.format === 'parquet') {
    await csvToParquet(csvPath, opts.path);
    rmSync(csvPath);
  }
  return { lines, bytes: statSync(opts.path).size };
}

function malformedLine(
  kind: number,
  msisdn: string,
  ts: number,
  sub: number,
  flags: number,
  loc: number,
  ev: number,
  ctx: DayFileContext,
): string {
  const tsText = flags & FLAG_EPOCH_MS ? `${ts}000` : formatBeijing(ts * 1000);
  const where = loc >= 0 ? `${ctx.cells.id[loc]},` : `,${ctx.plmns[-loc - 1]}`;
  switch (kind) {
    case 1: // 10 digits
      return `${msisdn.slice(1)},${tsText},${where},${EVENTS[ev]}`;
    case 2: // no seconds, no offset
      return `${msisdn},${formatBeijing(ts * 1000)
        .slice(0, 16)
        .replace('T', ' ')},${where},${EVENTS[ev]}`;
    case 3:
      return `${msisdn},${tsText}`;
    default:
      return `#@!~ corrupted block 0x${((ts ^ sub) >>> 0).toString(16)} ~!@#`;
  }
}

async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
    await conn.run(
      `COPY (SELECT * FROM read_csv(${q(csv)}, header = true, auto_detect = false, delim = ',', quote = '', escape = '',
         null_padding = true, columns = {'msisdn': 'VARCHAR', 'ts': 'VARCHAR', 'cell_id': 'VARCHAR', 'plmn': 'VARCHAR', 'event': 'VARCHAR'}))
       TO ${q(parquet)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
