// The input directory of DATA.md: registry files and signaling files, checked
// up front so an unusable directory fails with the file and the reason.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createGunzip } from 'node:zlib';
import { AppError } from '@itinerary-card/domain';

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

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** First line of a (possibly gzip) text file. */
export async function readFirstLine(path: string): Promise<string> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let acc = '';
  try {
    for await (const chunk of stream) {
      acc += chunk.toString('utf8');
      const nl = acc.indexOf('\n');
      if (nl >= 0)
        return acc
          .slice(0, nl)
          .replace(/\r$/, '')
          .replace(/^\uFEFF/, '');
      if (acc.length > 1 << 20) break;
    }
  } finally {
    raw.destroy();
  }
  return acc.replace(/\r$/, '').replace(/^\uFEFF/, '');
}

export function parseHeader(line: string): string[] {
  return line.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
}

async function checkCsvHeader(path: string, required: string[], label: string): Promise<string[]> {
  let line: string;
  try {
    line = await readFirstLine(path);
  } catch (e) {
    throw unusable(path, `${label} cannot be read: ${(e as Error).message}`);
  }
  const cols = parseHeader(line);
  const missing = required.filter((c) => !cols.includes(c));
  if (missing.length) throw unusable(path, `${label} lacks the column(s) ${missing.join(', ')} in its header`);
  return cols;
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
  let candidates = 0;
  for (const path of listFiles(sigDir)) {
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
        const columns = await checkCsvHeader(path, REQUIRED_SIGNALING, `signaling file ${relative(root, path)}`);
        signaling.push({ path, format: 'csv', bytes, columns });
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
