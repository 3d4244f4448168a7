// Splits a DATA.md input directory into one input per operator and day, so each
// demo operator node reads only its own subscribers' signaling (a real node only
// ever receives its own operator's feed) and each daily run reads one day.
// The parts are plain CSV: they are the demo's own work files, read once by
// the daily runs, and writing them through gzip took half of the split's time,
// which the runs then paid again to decompress.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beijingDate, isOperator, type Operator } from '@itinerary-card/domain';
import { forEachLine, Sink } from '../csv-lines.ts';

export interface SplitResult {
  /** Days (Beijing) that have at least one record, sorted. */
  days: string[];
  lines: number;
}

function listSignaling(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listSignaling(p));
    else if (/\.csv(\.gz)?$/i.test(name)) out.push(p);
  }
  return out;
}

/** Beijing day of a `ts` field (ISO-8601 with offset or epoch ms), or undefined when unreadable. */
export function dayOfTs(ts: string): string | undefined {
  if (ts.length === 25 && ts.endsWith('+08:00') && ts[10] === 'T') return ts.slice(0, 10);
  const ms = /^\d{10,14}$/.test(ts) ? Number(ts) : Date.parse(ts);
  return Number.isFinite(ms) ? beijingDate(ms) : undefined;
}

/** Operator of each number in a subscribers.csv text. */
export function operatorsOf(subscribersCsv: string): Map<string, Operator> {
  const lines = subscribersCsv.split('\n');
  const cols = (lines[0] ?? '').trim().split(',');
  const im = cols.indexOf('msisdn');
  const io = cols.indexOf('operator');
  const out = new Map<string, Operator>();
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(',');
    const op = f[io];
    if (f[im] && op && isOperator(op)) out.set(f[im], op);
  }
  return out;
}

const OPS: Operator[] = ['cmcc', 'cucc', 'ctcc'];

/** The day a signaling file's lines without a readable time go to: the first date in its path. */
export function fileDayOf(path: string): string | undefined {
  return /(\d{4}-\d{2}-\d{2})/.exec(path)?.[1];
}

/**
 * Where the split puts a line (columns `im` msisdn and `it` ts): its number's
 * operator, else one by a hash of the line; its time's Beijing day, else the
 * file's day (fileDayOf), else 'unknown'.
 */
export function routeLine(
  line: string,
  im: number,
  it: number,
  owner: Map<string, Operator>,
  fileDay: string | undefined,
): { operator: Operator; day: string } {
  let operator = owner.get(unquote(field(line, im)));
  if (!operator) {
    let h = 0;
    for (let i = 0; i < line.length; i++) h = (h * 31 + line.charCodeAt(i)) | 0;
    operator = OPS[Math.abs(h) % 3]!;
  }
  return { operator, day: dayOfTs(unquote(field(line, it))) ?? fileDay ?? 'unknown' };
}

/**
 * Writes `<out>/<operator>/<day>/signaling/part-<n>.csv` for every line of
 * every CSV signaling file of `signalingDir`. A line whose number or time cannot
 * be read still goes somewhere (the source file's day, an operator by a hash of
 * the line), so each node's run counts it as a rejected line exactly once.
 */
export async function splitSignaling(
  signalingDir: string,
  owner: Map<string, Operator>,
  out: string,
  onFile?: (done: number, total: number) => void,
  /** Write `part-<n>.csv.gz` (gzip level 1) instead, as the split did before: the bench's peer. */
  gzip = false,
): Promise<SplitResult> {
  const files = listSignaling(signalingDir);
  const sinks = new Map<string, Sink>();
  const headers: string[] = [];
  const days = new Set<string>();
  let lines = 0;
  const sinkFor = (op: Operator, day: string, header: string): Sink => {
    let h = headers.indexOf(header);
    if (h < 0) h = headers.push(header) - 1;
    const key = `${op}/${day}/${h}`;
    let s = sinks.get(key);
    if (!s) {
      const dir = join(out, op, day, 'signaling');
      mkdirSync(dir, { recursive: true });
      s = new Sink(join(dir, `part-${h}.csv${gzip ? '.gz' : ''}`), header, gzip);
      sinks.set(key, s);
    }
    return s;
  };
  for (const [n, file] of files.entries()) {
    const fileDay = fileDayOf(file);
    let header: string | undefined;
    let im = -1;
    let it = -1;
    const handle = (line: string) => {
      if (header === undefined) {
        header = line.trim();
        const cols = header.split(',').map((c) => c.replace(/"/g, '').trim());
        im = cols.indexOf('msisdn');
        it = cols.indexOf('ts');
        return;
      }
      if (!line) return;
      lines++;
      const { operator, day } = routeLine(line, im, it, owner, fileDay);
      if (day !== 'unknown') days.add(day);
      sinkFor(operator, day, header).push(line);
    };
    await forEachLine(file, handle, async () => {
      for (const s of sinks.values()) await s.flushIfFull();
    });
    onFile?.(n + 1, files.length);
  }
  for (const s of sinks.values()) await s.end();
  return { days: [...days].sort(), lines };
}

/** The `i`-th comma-separated field of a line, '' when it has fewer (line.split(',')[i] ?? '', without the array). */
export function field(line: string, i: number): string {
  if (i < 0) return '';
  let from = 0;
  for (let k = 0; k < i; k++) {
    const c = line.indexOf(',', from);
    if (c < 0) return '';
    from = c + 1;
  }
  const end = line.indexOf(',', from);
  return end < 0 ? line.slice(from) : line.slice(from, end);
}

const unquote = (s: string) => (s.includes('"') ? s.replace(/"/g, '') : s);
