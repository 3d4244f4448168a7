// World simulator throughput: a world of BENCH_SIM_SUBSCRIBERS (default 20,000)
// subscribers x 7 days streamed to disk as csv.gz, in records/s and
// subscribers/s with peak RSS, against a peer measured in the same run:
// writing the same number of plain CSV lines with no simulation (raw fs).
// Prints the extrapolated time for 1 million subscribers x 7 days.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '@itinerary-card/simulator';

const SUBSCRIBERS = Number(process.env.BENCH_SIM_SUBSCRIBERS ?? '20000');
const DAYS = 7;

function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** The peer: the same number of CSV lines of the same shape, written with no simulation behind them. */
async function rawCsv(path: string, lines: number): Promise<number> {
  const t0 = performance.now();
  const out = createWriteStream(path, { highWaterMark: 4 << 20 });
  out.write('msisdn,ts,cell_id,plmn,event\n');
  let chunk: string[] = [];
  for (let i = 0; i < lines; i++) {
    chunk.push(`138${String(10_000_000 + (i % 89_999_999))},2022-09-01T08:30:00+08:00,46000-0A1B2C3,,tau`);
    if (chunk.length === 8192) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = [];
    }
  }
  await new Promise<void>((resolve) => out.end(`${chunk.join('\n')}\n`, () => resolve()));
  return performance.now() - t0;
}

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sim-'));
  try {
    const cpu0 = process.cpuUsage();
    const rss = rssSampler();
    const t0 = performance.now();
    const res = await simulate({
      out: dir,
      subscribers: SUBSCRIBERS,
      days: DAYS,
      endDate: '2022-09-07',
      seed: 'bench',
    });
    const ms = performance.now() - t0;
    const peak = rss.stop();
    const cpu = process.cpuUsage(cpu0);
    const s = res.stats;
    rmSync(join(dir, 'input'), { recursive: true, force: true });
    const peerMs = await rawCsv(join(dir, 'peer.csv'), s.lines);
    const recPerSec = s.records / (ms / 1000);
    const peerPerSec = s.lines / (peerMs / 1000);
    const extrapolated = (ms / SUBSCRIBERS) * 1_000_000;
    const lines = [
      `simulate: ${SUBSCRIBERS} subscribers x ${DAYS} days → ${s.records} records, ${s.lines} lines, ${(s.bytes / 1e6).toFixed(1)} MB csv.gz (${(s.bytes / s.lines).toFixed(1)} B/line)`,
      `  time        ${(ms / 1000).toFixed(1)} s wall (generate ${(s.generateMs! / 1000).toFixed(1)} s, sort+format+gzip ${(s.writeMs! / 1000).toFixed(1)} s), ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
      `  throughput  ${Math.round(recPerSec).toLocaleString('en')} records/s, ${Math.round(SUBSCRIBERS / (ms / 1000)).toLocaleString('en')} subscribers/s (per CPU second: ${Math.round(s.records / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en')} records)`,
      `  peak RSS    ${(peak / 2 ** 20).toFixed(0)} MB`,
      `  peer        raw CSV write of ${s.lines} lines: ${(peerMs / 1000).toFixed(1)} s, ${Math.round(peerPerSec).toLocaleString('en')} lines/s`,
      `  ratio       simulator / raw write = ${(recPerSec / peerPerSec).toFixed(3)} (${(peerPerSec / recPerSec).toFixed(1)}x slower than writing lines alone)`,
      `  1M x 7 days extrapolated: ${(extrapolated / 60_000).toFixed(1)} min, ~${(((s.bytes / SUBSCRIBERS) * 1e6) / 1e9).toFixed(1)} GB of csv.gz, same bounded memory (hourly spill buckets)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
