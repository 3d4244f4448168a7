// The input directory of DATA.md: registry files and signaling files, checked
// up front so an unusable directory fails with the file and the reason.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError } from '@itinerary-card/domain';
import { parse } from 'csv-parse/sync';

export interface SignalingFile {
  path: string;
  format: 'csv' | 'parquet';
  bytes: number;
  /** CSV header columns, lower-cased (undefined for Parquet). */
  columns?: string[];
  /** Parquet column types by lower-cased name, once the file has been opened (see usableFiles). */
  types?: Record<string, string>;
  /** Records in a Parquet file, from its footer, once the file has been opened (see usableFiles). */
  rows?: number;
  /** Lines of a CSV file, estimated from its first 64 KB of text (exact for a smaller file). */
  estimatedRows?: number;
  /**
   * False when this run is not the file's home day (file-index.ts homeDay): its lines
   * without a valid time (malformed, bad number or time) are counted by that day's run only.
   */
  countTimeless?: boolean;
}

export interface InputDir {
  root: string;
  cellsPath: string;
  subscribersPath: string;
  signaling: SignalingFile[];
  /** Signaling files that cannot be used at all (quarantined whole, the run goes on). */
  skipped: Array<{ path: string; reason: string }>;
}

const REQUIRED_SIGNALING = ['msisdn', 'ts', 'cell_id', 'plmn'];

function unusable(file: string, reason: string): AppError {
  return new AppError('INPUT_UNUSABLE', { file, reason });
}

/**
 * The files under `dir`; an entry that cannot even be looked at (a dangling or
 * looping link, a directory that cannot be listed) goes to `broken` with why.
 */
function listFiles(dir: string, broken: Array<{ path: string; reason: string }>): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    broken.push({ path: dir, reason: `directory cannot be read: ${(e as Error).message}` });
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (e) {
      broken.push({ path: p, reason: `cannot be read: ${(e as Error).message}` });
      continue;
    }
    if (st.isDirectory()) out.push(...listFiles(p, broken));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/**
 * Reads a gzip file to its end: undefined when it is whole, else why not (a
 * truncated or corrupt file). DuckDB reads a truncated gzip file up to the cut
 * without a word, and can spin on a corrupt one, so every .gz file is checked
 * before DuckDB opens it. Decompression runs on the thread pool, in 64 KB pieces:
 * zlib's default 16 KB cost the bench world's seven files 1.1-1.6 s of CPU, 64 KB
 * 0.8 s (the text is thrown away; only the end and the checksum matter).
 */
export async function gzipProblem(path: string): Promise<string | undefined> {
  try {
    await pipeline(
      createReadStream(path, { highWaterMark: 1 << 20 }),
      createGunzip({ chunkSize: 1 << 16 }),
      new Writable({
        highWaterMark: 1 << 20,
        write(_chunk, _enc, cb) {
          cb();
        },
      }),
    );
    return undefined;
  } catch (e) {
    return `gzip file cannot be read to its end: ${(e as Error).message}`;
  }
}

/** Text read from the start of a CSV file to find its header and estimate its lines. */
const SAMPLE_BYTES = 64 * 1024;

export interface CsvSample {
  /** The first line, without its line end or a byte-order mark. */
  header: string;
  /**
   * Lines after the header, estimated from the sample: its text per line, and
   * for gzip its text per compressed byte. Exact when the sample is the whole file.
   */
  rows: number;
}

/** The first line of a (possibly gzip) text file, and how many lines follow it (estimated). */
export async function sampleCsv(path: string): Promise<CsvSample> {
  const gz = path.endsWith('.gz');
  // Small reads for gzip: what gunzip has taken in then runs at most one read ahead of the text.
  const raw = createReadStream(path, { highWaterMark: gz ? 4 * 1024 : 64 * 1024 });
  const gunzip = gz ? createGunzip() : undefined;
  // pipe() does not pass a read error on: without this, an unreadable file is an unhandled 'error' event.
  if (gunzip) raw.on('error', (e) => gunzip.destroy(e));
  const stream = gunzip ? raw.pipe(gunzip) : raw;
  const chunks: Buffer[] = [];
  let text = 0;
  let whole = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      text += chunk.length;
      if (text >= SAMPLE_BYTES) {
        whole = false;
        break;
      }
    }
  } finally {
    raw.destroy();
  }
  const sample = Buffer.concat(chunks);
  const nl = sample.indexOf(10);
  const first = (nl >= 0 ? sample.subarray(0, nl) : sample).toString('utf8');
  const header = first.replace(/\r$/, '').replace(/^\uFEFF/, '');
  // Lines after the header in the sample, a last one without its line end included.
  let lines = 0;
  for (let i = nl + 1; nl >= 0 && i < sample.length; i = sample.indexOf(10, i) + 1 || sample.length) lines++;
  if (whole || lines === 0) return { header, rows: lines };
  const body = sample.length - (nl + 1);
  const size = statSync(path).size;
  // Text of the whole file: the sample's share of the bytes read scales it (gzip compresses evenly enough).
  const fileText = gunzip ? (sample.length / Math.max(1, gunzip.bytesWritten)) * size : size;
  return { header, rows: Math.round(((fileText - (nl + 1)) / body) * lines) };
}

/** A CSV header's column names, lower-cased, read as DuckDB reads them (quoted names may hold commas). */
export function parseHeader(line: string): string[] {
  const [names = []] = parse(line, { bom: true, trim: true, to_line: 1 }) as string[][];
  return names.map((c) => c.toLowerCase());
}

async function checkCsvHeader(
  path: string,
  required: string[],
  label: string,
): Promise<{ columns: string[]; rows: number }> {
  let sample: CsvSample;
  try {
    sample = await sampleCsv(path);
  } catch (e) {
    throw unusable(path, `${label} cannot be read: ${(e as Error).message}`);
  }
  let columns: string[];
  try {
    columns = parseHeader(sample.header);
  } catch (e) {
    throw unusable(path, `${label} has a header that is not CSV: ${(e as Error).message}`);
  }
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length) throw unusable(path, `${label} lacks the column(s) ${missing.join(', ')} in its header`);
  return { columns, rows: sample.rows };
}

/** Checks the directory and lists its signaling files. */
export async function inspectInput(root: string): Promise<InputDir> {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw unusable(root, 'input directory does not exist');
  const cellsPath = join(root, 'cells.csv');
  const subscribersPath = join(root, 'subscribers.csv');
  if (!existsSync(cellsPath)) throw unusable(cellsPath, 'cell registry cells.csv is missing');
  if (!existsSync(subscribersPath)) throw unusable(subscribersPath, 'subscriber registry subscribers.csv is missing');
  await checkCsvHeader(cellsPath, ['cell_id', 'operator', 'lat', 'lon', 'region_code'], 'cells.csv');
  await checkCsvHeader(
    subscribersPath,
    ['msisdn', 'operator', 'activated_at', 'ported_at', 'kind', 'primary_msisdn'],
    'subscribers.csv',
  );
  const sigDir = join(root, 'signaling');
  if (!existsSync(sigDir) || !statSync(sigDir).isDirectory()) throw unusable(sigDir, 'signaling/ directory is missing');
  const signaling: SignalingFile[] = [];
  const skipped: InputDir['skipped'] = [];
  const broken: InputDir['skipped'] = [];
  const files = listFiles(sigDir, broken);
  // A link or directory that cannot be read is lost input when its name is a signaling file's.
  for (const b of broken) if (/\.(csv|csv\.gz|parquet)$/i.test(b.path) || !/\.[^/]*$/.test(b.path)) skipped.push(b);
  let candidates = skipped.length;
  for (const path of files) {
    const lower = path.toLowerCase();
    const bytes = statSync(path).size;
    if (lower.endsWith('.parquet')) {
      candidates++;
      signaling.push({ path, format: 'parquet', bytes });
    } else if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) {
      candidates++;
      if (bytes === 0) {
        skipped.push({ path, reason: 'empty file' });
        continue;
      }
      try {
        const { columns, rows } = await checkCsvHeader(
          path,
          REQUIRED_SIGNALING,
          `signaling file ${relative(root, path)}`,
        );
        signaling.push({ path, format: 'csv', bytes, columns, estimatedRows: rows });
      } catch (e) {
        skipped.push({ path, reason: String((e as AppError).details?.reason ?? (e as Error).message) });
      }
    }
  }
  if (!candidates) throw unusable(sigDir, 'no signaling files (*.csv, *.csv.gz, *.parquet) in signaling/');
  if (!signaling.length)
    throw unusable(sigDir, `no usable signaling file: ${skipped.map((s) => `${s.path}: ${s.reason}`).join('; ')}`);
  return { root, cellsPath, subscribersPath, signaling, skipped };
}
