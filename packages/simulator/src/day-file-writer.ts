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

const PART_BYTES = 1 << 20;

/** The open parts of a split, each written through a buffer of its own. */
export class SplitParts {
  private readonly parts = new Map<string, { fd: number; buf: Buffer; pos: number }>();
  /** Days with a part (not 'unknown'). */
  readonly days = new Set<string>();
  private readonly dayNames = new Map<number, string>();
  private readonly header: Buffer;

  constructor(
    readonly options: SplitOptions,
    /** Operator (index into OPERATORS) of each subscriber. */
    readonly operatorOf: Uint8Array,
    header: string,
  ) {
    this.header = Buffer.from(`${header}\n`, 'latin1');
  }

  /** Beijing day of a time in seconds. */
  dayOf(sec: number): string {
    const n = Math.floor((sec + 8 * 3600) / 86_400);
    let d = this.dayNames.get(n);
    if (d === undefined) {
      d = beijingDate(sec * 1000);
      this.dayNames.set(n, d);
    }
    return d;
  }

  /** Appends bytes [from, to) of `src` (whole lines) to the part of `operator` and `day`. */
  put(operator: string, day: string, src: Buffer, from: number, to: number): void {
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
    if (p.pos + (to - from) > PART_BYTES) {
      writeSync(p.fd, p.buf, 0, p.pos);
      p.pos = 0;
    }
    p.pos = put(p.buf, p.pos, src, from, to - from);
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
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

async function writeChunk(stream: Writable, b: Buffer | string): Promise<void> {
  if (!stream.write(b)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

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
  if (split) return { lines: writeSplit(opts, split), bytes: 0 };
  const csvPath = opts.format === 'parquet' ? `${opts.path}.tmp.csv` : opts.path;
  const sink = createWriteStream(csvPath, { highWaterMark: 4 << 20 });
  const stream: Writable = opts.format === 'csv.gz' ? createGzip(GZIP_OPTIONS) : sink;
  if (stream !== sink) stream.pipe(sink);
  await writeChunk(stream, `${HEADER}\n`);
  let out = Buffer.allocUnsafe(OUT_BYTES);
  let pos = 0;
  let prefixHour = -1;
  const prefix = Buffer.alloc(14); // 2022-09-01T08:
  const writeAscii = (s: string) => {
    pos += out.write(s, pos, 'latin1');
  };
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
      if (pos > OUT_BYTES - 256) {
        await writeChunk(stream, out.subarray(0, pos));
        out = Buffer.allocUnsafe(OUT_BYTES);
        pos = 0;
      }
      const o = order[k]! * RECORD_BYTES;
      const sub = u32[o >> 2]!;
      const ts = u32[(o >> 2) + 1]!;
      const loc = i32[(o >> 2) + 2]!;
      const ev = data[o + 12]!;
      const flags = data[o + 13]!;
      const malformed = (flags >> MALFORMED_SHIFT) & 7;
      if (malformed !== 0) {
        const f = opts.epochMsFile ? flags | FLAG_EPOCH_MS : flags;
        writeAscii(`${malformedLine(malformed, ctx.msisdns[sub]!, ts, sub, f, loc, ev, ctx)}\n`);
        continue;
      }
      // msisdn,
      pos = put(out, pos, ctx.msisdnBytes, sub * MSISDN_BYTES, MSISDN_BYTES);
      out[pos++] = C_COMMA;
      // ts,
      if (opts.epochMsFile || flags & FLAG_EPOCH_MS) {
        writeAscii(`${ts}000`);
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
        writeAscii(`${cellId(OPERATORS[(flags >> 5) & 3]!, loc)},`);
      } else if (loc >= 0) {
        pos = put(out, pos, tables.cellIds, loc * CELL_BYTES, CELL_BYTES);
        out[pos++] = C_COMMA;
      } else {
        out[pos++] = C_COMMA;
        writeAscii(ctx.plmns[-loc - 1]!);
      }
      out[pos++] = C_COMMA;
      // event\n
      const e = tables.events[ev]!;
      pos = put(out, pos, e, 0, e.length);
    }
    lines += order.length;
  }
  if (pos > 0) await writeChunk(stream, out.subarray(0, pos));
  await new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve);
    sink.once('error', reject);
    stream.end();
  });
  if (opts.format === 'parquet') {
    await csvToParquet(csvPath, opts.path);
    rmSync(csvPath);
  }
  return { lines, bytes: statSync(opts.path).size };
}

/** writeDayFile's lines, each into its part of the split (see SplitParts). */
function writeSplit(
  opts: {
    path: string;
    buckets: HourBuckets;
    firstBucket: number;
    epochMsFile: boolean;
    ctx: DayFileContext;
    tables: ByteTables;
  },
  split: SplitParts,
): number {
  const { ctx, tables } = opts;
  const out = Buffer.allocUnsafe(4096);
  let prefixHour = -1;
  const prefix = Buffer.alloc(14);
  let lines = 0;
  for (let h = 0; h < 24; h++) {
    const taken = opts.buckets.take(opts.firstBucket + h);
    const order = taken.order;
    let data = taken.data;
    if (data.byteOffset & 3) {
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
      if (malformed !== 0) {
        const f = opts.epochMsFile ? flags | FLAG_EPOCH_MS : flags;
        const line = malformedLine(malformed, ctx.msisdns[sub]!, ts, sub, f, loc, ev, ctx);
        const to = out.write(`${line}\n`, 0, 'latin1');
        const where = split.options.route(line, opts.path);
        split.put(where.operator, where.day, out, 0, to);
        continue;
      }
      let pos = put(out, 0, ctx.msisdnBytes, sub * MSISDN_BYTES, MSISDN_BYTES);
      out[pos++] = C_COMMA;
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
      const e = tables.events[ev]!;
      pos = put(out, pos, e, 0, e.length);
      split.put(OPERATORS[split.operatorOf[sub]!]!, split.dayOf(ts), out, 0, pos);
    }
    lines += order.length;
  }
  return lines;
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
