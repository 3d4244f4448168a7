// Splits one operator's input directory (DATA.md) into N shard input
// directories by subscriber: shard k gets the numbers whose subscriberShard()
// is k, their registry rows and their signaling, so each shard's `serve node`
// answers exactly the numbers the proxy routes to it. A secondary number's
// signaling is recorded under its primary number, so a secondary's shard also
// gets its primary's row and records (it answers the primary too, but is never
// asked for it).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AppError, subscriberShard } from '@itinerary-card/domain';
import { forEachLine, Sink } from './csv-lines.ts';

export interface ShardSplitResult {
  /** Subscribers (registry rows) per shard, primaries of other shards' secondaries included. */
  subscribers: number[];
  /** Signaling lines per shard (a line of a primary with secondaries elsewhere counts in each). */
  lines: number[];
  /** Signaling lines whose number could not be read (each sent to one shard, which rejects it). */
  unreadable: number;
}

function unusable(file: string, why: string): never {
  throw new AppError('INPUT_UNUSABLE', { file, reason: why }, { cause: new Error(`${file}: ${why}`) });
}

function signalingFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...signalingFiles(p));
    else if (/\.parquet$/i.test(name)) unusable(p, 'Parquet signaling cannot be split by line: export it as CSV');
    else if (/\.csv(\.gz)?$/i.test(name)) out.push(p);
  }
  return out;
}

function columns(header: string): string[] {
  return header.split(',').map((c) => c.replace(/"/g, '').trim());
}

/** Shards whose registry holds each number: its own, plus those of secondaries riding on it. */
function registryShards(
  input: string,
  shards: number,
  out: string,
): { owners: Map<string, number[]>; counts: number[] } {
  const path = join(input, 'subscribers.csv');
  if (!existsSync(path)) unusable(path, 'missing (see DATA.md)');
  const [header = '', ...rows] = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
  const cols = columns(header);
  const im = cols.indexOf('msisdn');
  const ip = cols.indexOf('primary_msisdn');
  if (im < 0) unusable(path, 'no msisdn column');
  const byNumber = new Map<string, string>();
  const owners = new Map<string, number[]>();
  const add = (msisdn: string, shard: number) => {
    const list = owners.get(msisdn);
    if (!list) owners.set(msisdn, [shard]);
    else if (!list.includes(shard)) list.push(shard);
  };
  for (const row of rows) {
    const f = row.split(',');
    const msisdn = (f[im] ?? '').replace(/"/g, '');
    byNumber.set(msisdn, row);
    add(msisdn, subscriberShard(msisdn, shards));
  }
  for (const row of rows) {
    const f = row.split(',');
    const primary = ip < 0 ? '' : (f[ip] ?? '').replace(/"/g, '');
    if (primary && byNumber.has(primary)) add(primary, subscriberShard((f[im] ?? '').replace(/"/g, ''), shards));
  }
  // Rows that cannot be read still go to one shard, whose run quarantines them.
  const perShard: string[][] = Array.from({ length: shards }, () => []);
  for (const row of rows) {
    const msisdn = (row.split(',')[im] ?? '').replace(/"/g, '');
    for (const s of owners.get(msisdn)!) perShard[s]!.push(row);
  }
  for (let s = 0; s < shards; s++) {
    writeFileSync(join(out, `shard-${s}`, 'subscribers.csv'), `${header}\n${perShard[s]!.join('\n')}\n`);
  }
  return { owners, counts: perShard.map((r) => r.length) };
}

/**
 * Writes `<out>/shard-<k>/{cells.csv, subscribers.csv, signaling/…}` for k in
 * 0 … shards-1; each signaling file keeps its name (as .csv.gz), so a shard's
 * daily runs open the same files per day as the whole operator's would.
 */
export async function splitInputByShard(input: string, shards: number, out: string): Promise<ShardSplitResult> {
  const cells = join(input, 'cells.csv');
  if (!existsSync(cells)) unusable(cells, 'missing (see DATA.md)');
  const sigDir = join(input, 'signaling');
  if (!existsSync(sigDir)) unusable(sigDir, 'missing (see DATA.md)');
  const files = signalingFiles(sigDir);
  if (!files.length) unusable(sigDir, 'no *.csv or *.csv.gz signaling files');
  for (let s = 0; s < shards; s++) {
    mkdirSync(join(out, `shard-${s}`, 'signaling'), { recursive: true });
    copyFileSync(cells, join(out, `shard-${s}`, 'cells.csv'));
  }
  const { owners, counts } = registryShards(input, shards, out);
  const lines = new Array<number>(shards).fill(0);
  let unreadable = 0;
  for (const file of files) {
    const name = relative(sigDir, file).replace(/\.csv(\.gz)?$/i, '.csv.gz');
    let sinks: Sink[] | undefined;
    let im = -1;
    const handle = (line: string) => {
      if (!sinks) {
        im = columns(line).indexOf('msisdn');
        sinks = Array.from({ length: shards }, (_, s) => {
          const path = join(out, `shard-${s}`, 'signaling', name);
          mkdirSync(join(path, '..'), { recursive: true });
          return new Sink(path, `${line.trim()}\n`, true);
        });
        return;
      }
      if (!line) return;
      const msisdn = (line.split(',', im + 1)[im] ?? '').replace(/"/g, '');
      const to = owners.get(msisdn);
      if (to) {
        for (const s of to) {
          sinks[s]!.push(line);
          lines[s]!++;
        }
        return;
      }
      // Not in the registry: the shard its number hashes to rejects it (unknown subscriber) once.
      if (!/^\d+$/.test(msisdn)) unreadable++;
      const s = subscriberShard(msisdn || line, shards);
      sinks[s]!.push(line);
      lines[s]!++;
    };
    await forEachLine(file, handle, async () => {
      for (const sink of sinks ?? []) await sink.flushIfFull();
    });
    for (const sink of sinks ?? []) await sink.end();
  }
  return { subscribers: counts, lines, unreadable };
}
