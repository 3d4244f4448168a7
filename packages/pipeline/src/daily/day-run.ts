// The common core of `compute` and the operator node's daily run: scan the
// signaling of a span of days shard by shard and hand each subscriber's day
// results to a sink, with rejects counted in one Quarantine.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { beijingDayStart, DAY_MS } from '@itinerary-card/domain';
import {
  type Carry,
  type CarryColumns,
  type CellModel,
  type EngineParams,
  type NativeChunks,
  nativeShardAvailable,
  releaseChunksNative,
  runShardNative,
} from '@itinerary-card/stay-engine';
import { CountryTable, EventBuffer } from '../compute/event-buffer.ts';
import {
  MIN_PARALLEL_RECORDS,
  processShardParallel,
  releaseShardHelper,
  type ShardHelper,
  takeShardHelper,
} from '../compute/parallel-shard.ts';
import type { SubscriberSink } from '../compute/shard-processor.ts';
import { ShardSpill } from '../compute/shard-spill.ts';
import { dayInputs, filesForDay, firstRecordDay, homeDay, indexFilesReading } from '../read/file-index.ts';
import { gzipProblem, type InputDir, inspectInput, type SignalingFile } from '../read/input-dir.ts';
import { Quarantine, type RejectSample } from '../read/quarantine.ts';
import { loadRegistries, type Registries, registerRegistryTables } from '../read/registry.ts';
import { cachedRegistries, cellModelOf, scanKeysOf } from '../read/registry-cache.ts';
import { type HomeRead, scanSignaling } from '../read/signaling-scan.ts';
import { PLAN_PRAGMA } from '../read/signaling-source.ts';
import { usableFiles } from '../read/usable-files.ts';

export interface DayRunOptions {
  input: string;
  /** First day (YYYY-MM-DD) whose records are used. */
  firstDay: string;
  dayCount: number;
  /** Current time, for telling impossible (future) timestamps. */
  now: number;
  /**
   * Records per shard; more records than this are read once, spread over a
   * temporary file per shard (about 20 bytes a record, under `spillDir`), and
   * processed shard by shard.
   */
  shardRecords?: number;
  /** Where the shard files go (default: the system's temporary directory, TMPDIR). */
  spillDir?: string;
  threads?: number;
  /**
   * A daily run (dayCount 1): the file in which the node keeps what each signaling file holds
   * (file-index.ts). Only the files with records of the day, or whose home day it is, are read,
   * and each line is counted once over the days (SignalingFile.countTimeless).
   */
  fileIndex?: string;
  /** Shards smaller than this run on one thread (tests lower it to exercise the worker). */
  parallelMinRecords?: number;
  params?: EngineParams;
  carries?: (sub: number) => Carry | null;
  /**
   * The carries in as the native engine takes them, asked instead of `carries` by a native
   * one-shard run (stored-carry.ts CarryColumnsCodec: no Carry object per subscriber).
   */
  carryColumns?: (subscribers: number) => CarryColumns;
  /** Given, a native one-shard run hands its carries out here in one piece, and the sink gets none. */
  onCarryColumns?: (out: CarryColumns) => void;
  /** False when the sink does not use the carry out (see DaysSpec.carryOut). */
  carryOut?: boolean;
  /**
   * The stays go to the native engine when it is built (native-shard.ts in the stay engine),
   * with the carries in and out; false keeps them in TypeScript.
   */
  nativeEngine?: boolean;
  onProgress?: (p: { phase: string; rows: number; estimatedRows: number; shard: number; shards: number }) => void;
  /** Time spent per phase (sql, read, stays), for benchmarks and logs. */
  onTiming?: (phase: string, ms: number) => void;
  /** Runs of consecutive days share its DuckDB instance, registries and cell model (DaySession). */
  session?: DaySession;
}

/** What the registries of one load are, shared by the runs of a DaySession. */
interface LoadedRegistries {
  signature: string;
  registries: Registries;
  /** The registries' rejected rows, added to each run's quarantine as a run of its own would. */
  rejects: RejectSample[];
  model: CellModel;
  /** Values derived from these registries by the session's users (DaySession.memo). */
  memo: Map<string, unknown>;
}

/** Which registry files (resolved), at which size and time: a session reloads when it changes. */
function registrySignature(input: InputDir): string {
  return [input.cellsPath, input.subscribersPath]
    .map((p) => {
      const st = statSync(p);
      return `${realpathSync(p)}\0${st.size}\0${st.mtimeMs}`;
    })
    .join('\0');
}

/**
 * Runs of consecutive days in one process (an operator's catch-up, a schedule's
 * pass): one DuckDB instance whose registry lookup tables, with the registries and
 * the cell model, are loaded once and again only when a registry file changes.
 * Set up per run, they cost about 0.3 s of CPU each, as much as the stays of a
 * day of 200,000 records. The answers are those of runs each on their own.
 */
export class DaySession {
  private db: { instance: DuckDBInstance; conn: DuckDBConnection } | undefined;
  private loaded: LoadedRegistries | undefined;

  /** The session's connection, with the registries of `input` loaded, and their rejects added to `q`. */
  async open(
    input: InputDir,
    threads: number,
    q: Quarantine,
  ): Promise<{ conn: DuckDBConnection; registries: Registries; model: CellModel }> {
    if (!this.db) {
      const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
      const conn = await instance.connect();
      this.db = { instance, conn };
      await conn.run(PLAN_PRAGMA);
    } else await this.db.conn.run(`SET threads = ${Math.max(1, Math.floor(threads))}`);
    const signature = registrySignature(input);
    if (this.loaded?.signature !== signature) {
      this.loaded = undefined;
      const found = new Quarantine(Number.POSITIVE_INFINITY);
      const side = await this.db.instance.connect();
      const registries = await loadRegistries(this.db.conn, input, found, side).finally(() => side.closeSync());
      const model = cellModelOf(registries);
      this.loaded = { signature, registries, rejects: found.samples, model, memo: new Map() };
    }
    for (const r of this.loaded.rejects) q.add(r.reason, r);
    return { conn: this.db.conn, registries: this.loaded.registries, model: this.loaded.model };
  }

  /** A value made once from the loaded registries (made again after they change). */
  memo<T>(name: string, make: () => T): T {
    const memo = this.loaded?.memo;
    if (!memo) return make();
    if (!memo.has(name)) memo.set(name, make());
    return memo.get(name) as T;
  }

  close(): void {
    this.loaded = undefined;
    if (!this.db) return;
    this.db.conn.closeSync();
    this.db.instance.closeSync();
    this.db = undefined;
  }
}

/** The stay engine a run used: the native one (C++) or StayEngine in TypeScript. */
export type StayEngineKind = 'native' | 'typescript';

export interface DayRunStats {
  recordsRead: number;
  recordsUsed: number;
  outside: number;
  duplicates: number;
  subscribersWithRecords: number;
  shards: number;
  /** Records per shard the run was planned with. */
  shardRecords: number;
  engine: StayEngineKind;
  /** Whether the native engine read the valid records where DuckDB made them (scanSignaling's inPlace). */
  inPlace: boolean;
  /** CSV files read by the native CSV reader rather than DuckDB (scanSignaling's nativeCsvFiles). */
  nativeCsvFiles: number;
  /** Parquet files read by the native Parquet reader rather than DuckDB (scanSignaling's nativeParquetFiles). */
  nativeParquetFiles: number;
  /** Input lost: signaling files this run counts as unreadable (also in the quarantine as unreadable_file). */
  unreadable: Array<{ file: string; reason: string }>;
  /** With a file index: what the run read (file-index.ts dayInputs), stored with the day. */
  inputs?: ReturnType<typeof dayInputs>;
  /** With a file index: the first day any signaling file holds a record of. */
  firstRecordDay?: string;
}

export interface DayRunContext {
  input: InputDir;
  registries: Registries;
  countries: CountryTable;
  quarantine: Quarantine;
}

/**
 * Records in the files, for progress and shard sizing: a Parquet file's count
 * once it has been opened (usableFiles), a CSV file's estimate from a sample of
 * its lines (inspectInput), else a guess from its size. A guess too high splits
 * a run that would fit into passes through temporary files; one too low holds
 * more records in memory than a pass should.
 */
function estimateRows(files: SignalingFile[]): number {
  let rows = 0;
  for (const f of files) rows += f.rows ?? f.estimatedRows ?? f.bytes / 6; // a Parquet record is a few bytes
  return Math.round(rows);
}

function statMtime(path: string): number {
  try {
    return lstatSync(path).mtimeMs; // a dangling link's own time
  } catch {
    return 0;
  }
}

export async function runDays(
  opts: DayRunOptions,
  sink: SubscriberSink,
  ctxOut?: (ctx: DayRunContext) => void,
): Promise<DayRunStats & DayRunContext> {
  const input = await inspectInput(opts.input);
  // Without a file index (compute) every gzip file is read to its end before DuckDB opens it, on the
  // thread pool while the registries load; a daily run's index does it once per file. The native
  // engine's one-shard run has the native CSV reader read the CSV files, which checks a gzip file's
  // end itself: there the gzip files DuckDB is to read are checked by the scan (checkGzip).
  const checkAll = () =>
    Promise.all(
      input.signaling.map(async (f) => (f.path.toLowerCase().endsWith('.gz') ? await gzipProblem(f.path) : undefined)),
    );
  const native = opts.nativeEngine !== false && nativeShardAvailable(opts.dayCount);
  const gzChecks = opts.fileIndex || native ? undefined : checkAll();
  let checkGzipInScan = false;
  const threads = opts.threads ?? 2;
  const minParallel = opts.parallelMinRecords ?? MIN_PARALLEL_RECORDS;
  // The native engine runs its own threads: no worker thread to start.
  const session = opts.session;
  // A run of its own has a DuckDB instance of its own; a session's runs share the session's.
  const instance = session ? undefined : await DuckDBInstance.create(':memory:', { threads: String(threads) });
  let conn = instance ? await instance.connect() : undefined;
  let open = instance !== undefined;
  // Nothing reads DuckDB after the scan: it is closed (its memory freed, 25-40 ms on the
  // bench world) while the native engine works off this thread, or at the end.
  const closeDuckDb = () => {
    if (!open) return;
    open = false;
    conn!.closeSync();
    instance!.closeSync();
  };
  let helper: ShardHelper | undefined;
  // The day's records read while its files were indexed (file-index.ts indexFilesReading): the scan's.
  let homeRead: HomeRead | undefined;
  const dropHomeRead = () => {
    if (homeRead) releaseChunksNative(homeRead.found.chunks);
    homeRead = undefined;
  };
  try {
    const quarantine = new Quarantine();
    let registries: Registries;
    let model: CellModel | undefined;
    let registerTables: (() => Promise<void>) | undefined;
    if (session) {
      ({ conn, registries, model } = await session.open(input, threads, quarantine));
      await dropRejectTables(conn);
    } else {
      await conn!.run(PLAN_PRAGMA);
      const side = await instance!.connect();
      // DuckDB's lookup tables only where its joins are run (scanSql): the native readers find
      // subscribers and cells themselves. The registries may be the last run's (registry-cache.ts).
      registries = await cachedRegistries(conn!, input, quarantine, side).finally(() => side.closeSync());
      const loaded = registries;
      registerTables = () => registerRegistryTables(conn!, loaded);
    }
    const db = conn!;
    const countries = new CountryTable();
    const lo = beijingDayStart(opts.firstDay);
    const hi = lo + opts.dayCount * DAY_MS;
    let files: SignalingFile[];
    let inputs: DayRunStats['inputs'];
    let firstDayOfRecords: string | undefined;
    const range = {
      lo,
      hi,
      plausibleLo: Date.UTC(2009, 0, 1),
      plausibleHi: Math.max(opts.now, lo + opts.dayCount * DAY_MS) + DAY_MS,
    };
    if (opts.fileIndex) {
      // Each unreadable file is counted once over the days: by the run of its home day.
      const found = new Quarantine(Number.POSITIVE_INFINITY);
      const usable = await usableFiles(db, input, found);
      // The native engine's run reads its day's new files as it indexes them: each read once.
      const wish =
        native && opts.dayCount === 1
          ? {
              day: opts.firstDay,
              now: opts.now,
              keys: scanKeysOf(registries),
              range,
              samplesPerReason: quarantine.samplesPerReason,
            }
          : undefined;
      const indexed = await indexFilesReading(db, usable, opts.fileIndex, threads, wish);
      const index = indexed.index;
      homeRead = indexed.homeRead;
      for (const f of usable) {
        const e = index.get(f.path);
        if (e?.error) found.add('unreadable_file', { file: f.path, text: e.error });
      }
      for (const s of found.samples) {
        const e = index.get(s.file!);
        const mtimeMs = e?.mtimeMs ?? statMtime(s.file!);
        if (homeDay(s.file!, e ?? { days: {}, mtimeMs }, opts.now) === opts.firstDay) quarantine.add(s.reason, s);
      }
      files = filesForDay(usable, index, opts.firstDay, opts.now, opts.fileIndex);
      // The files read so must be this run's, as the scan would read them (their home day's); else
      // they are read again by the scan.
      const wanted = new Map(files.map((f) => [f.path, f]));
      if (homeRead && !homeRead.read.every((f) => wanted.get(f.path)?.countTimeless === true)) dropHomeRead();
      inputs = dayInputs(input.root, usable, index, opts.firstDay, opts.now);
      firstDayOfRecords = firstRecordDay(index, opts.now);
    } else {
      files = await usableFiles(db, input, quarantine);
      // One shard (read in place): the scan checks the gzip files DuckDB reads (see above).
      checkGzipInScan = native && estimateRows(files) <= (opts.shardRecords ?? 40_000_000);
      if (!checkGzipInScan) {
        const problems = await (gzChecks ?? checkAll());
        const broken = new Set<string>();
        input.signaling.forEach((f, i) => {
          const why = problems[i];
          if (!why) return;
          quarantine.add('unreadable_file', { file: f.path, text: why });
          broken.add(f.path);
        });
        files = files.filter((f) => !broken.has(f.path));
      }
    }
    const ctx: DayRunContext = { input, registries, countries, quarantine };
    ctxOut?.(ctx);
    const estimatedRows = estimateRows(files);
    const shardRecords = opts.shardRecords ?? 40_000_000;
    const shards = Math.max(1, Math.ceil(estimatedRows / shardRecords));
    // The stays' second thread starts now, so its start-up overlaps the scan; only for files
    // this run reads (a daily run's file index leaves most out) and shards worth two threads.
    if (!native && threads >= 2 && estimatedRows / shards >= minParallel) {
      helper = await takeShardHelper();
    }
    const stats: DayRunStats = {
      recordsRead: 0,
      recordsUsed: 0,
      outside: 0,
      duplicates: 0,
      subscribersWithRecords: 0,
      shards,
      shardRecords,
      engine: native ? 'native' : 'typescript',
      inPlace: false,
      nativeCsvFiles: 0,
      nativeParquetFiles: 0,
      unreadable: [],
      inputs,
      firstRecordDay: firstDayOfRecords,
    };
    for (const smp of quarantine.samples)
      if (smp.reason === 'unreadable_file') stats.unreadable.push({ file: smp.file ?? '', reason: smp.text });
    const progress = (phase: string, rows: number, total: number, shard: number) =>
      opts.onProgress?.({ phase, rows, estimatedRows: total, shard, shards });
    // One read of the input; with several shards it spreads the records over a file per shard.
    const spill = shards > 1 && files.length ? new ShardSpill(shards, estimatedRows, opts.spillDir) : undefined;
    let chunks: NativeChunks | undefined;
    try {
      let loaded: EventBuffer | undefined;
      // The native engine of a one-shard run reads the records in DuckDB's chunks, in place.
      const inPlace =
        native && !spill
          ? {
              subscribers: registries.subscribers.length,
              cells: registries.cellCount,
              keys: scanKeysOf(registries),
            }
          : undefined;
      // (Read while indexing for a scan in place: a run of several shards reads them again.)
      if (!inPlace) dropHomeRead();
      if (files.length) {
        const tScan = performance.now();
        let read = 0;
        // Sized for the records the files hold (a Parquet file's count, a CSV file's estimate):
        // growing by doubling would copy them about twice. In place, it gets only the roaming ones.
        loaded = spill
          ? undefined
          : new EventBuffer(inPlace ? 1 << 16 : Math.max(1 << 16, Math.ceil(estimatedRows * 1.05)));
        const counts = await scanSignaling(
          db,
          files,
          range,
          {
            onTiming: (phase, ms) => opts.onTiming?.(phase, ms),
            threads,
            registerTables,
            checkGzip: checkGzipInScan ? gzipProblem : undefined,
            // The stays' cell model is made while the native readers read.
            whileReading: () => {
              model ??= cellModelOf(registries);
            },
            homeRead,
            onRows: (r) => {
              read += r;
              progress('read', read, estimatedRows, 0);
            },
          },
          spill ?? loaded!,
          countries,
          quarantine,
          inPlace,
        );
        chunks = counts.chunks;
        stats.inPlace = chunks !== undefined;
        stats.nativeCsvFiles = counts.nativeCsvFiles ?? 0;
        stats.nativeParquetFiles = counts.nativeParquetFiles ?? 0;
        stats.unreadable.push(...(counts.unreadable ?? []));
        spill?.finish();
        opts.onTiming?.('scan', performance.now() - tScan);
        stats.recordsRead = counts.rows;
        stats.recordsUsed = counts.used;
        stats.outside = counts.outside;
      }
      // Only the stays need it: built here, not by loadRegistries, whose other readers (the naive rule) do not.
      model ??= cellModelOf(registries);
      let done = 0;
      for (let shard = 0; shard < shards; shard++) {
        let buf = loaded;
        if (!buf) {
          // (No file holds these days: nothing to read, but carried stays still run on.)
          buf = new EventBuffer();
          const tLoad = performance.now();
          spill?.load(shard, buf);
          opts.onTiming?.('load', performance.now() - tLoad);
        }
        const tStays = performance.now();
        // A subscriber's records are all in shard sub % shards (ShardSpill): its carry goes there only,
        // or every shard would run it and hand on a carry of its own.
        const all = opts.carries;
        const carries = all && shards > 1 ? (sub: number) => (sub % shards === shard ? all(sub) : null) : all;
        const input = {
          sub: buf.sub,
          t: buf.t,
          place: buf.place,
          ev: buf.ev,
          length: buf.length,
          runs: buf.runOrder(),
          chunks,
          // Read in place, the records are DuckDB's until the run lets them go: closed then.
          released: chunks ? closeDuckDb : undefined,
        };
        let res: { duplicates: number; subscribersWithRecords: number };
        if (native) {
          const running = runShardNative(
            input,
            registries.subscribers.length,
            model!,
            lo,
            opts.dayCount,
            sink,
            opts.params,
            (input.chunks ? stats.recordsUsed : input.length) >= minParallel ? threads : 1,
            // Compute keeps no carry; the daily run's go in and come out as the TypeScript engine's.
            carries || opts.carryOut !== false
              ? {
                  in: carries,
                  out: opts.carryOut !== false,
                  ...(shards === 1 && opts.carryColumns
                    ? { inColumns: () => opts.carryColumns!(registries.subscribers.length) }
                    : {}),
                  ...(shards === 1 && opts.onCarryColumns ? { columns: opts.onCarryColumns } : {}),
                }
              : undefined,
          );
          if (!input.chunks) closeDuckDb();
          res = await running;
        } else
          res = await processShardParallel(
            input,
            registries.subscribers.length,
            model!,
            { firstDayStart: lo, dayCount: opts.dayCount, carryOut: opts.carryOut },
            sink,
            opts.params,
            carries,
            helper,
            opts.parallelMinRecords,
          );
        opts.onTiming?.('stays', performance.now() - tStays);
        stats.duplicates += res.duplicates;
        stats.subscribersWithRecords += res.subscribersWithRecords;
        // Progress of the stays: the records whose stays are done. The total is now known
        // (the records read), and the bar ends full.
        done += buf.length;
        progress('stays', shard + 1 === shards ? stats.recordsRead : done, stats.recordsRead, shard + 1);
      }
    } finally {
      spill?.close();
      // (A no-op when the run took them: it lets them go itself.)
      if (chunks) releaseChunksNative(chunks);
    }
    if (stats.duplicates) quarantine.add('duplicate', undefined, stats.duplicates);
    stats.recordsRead += quarantine.counts.get('malformed_line') ?? 0;
    return { ...stats, ...ctx };
  } finally {
    // (A no-op once a run took them.)
    dropHomeRead();
    closeDuckDb();
    if (helper) await releaseShardHelper(helper);
  }
}

/**
 * Drops the tables a scan's CSV rejects went to (signalingSource): DuckDB adds to
 * them on every scan of one connection, and a session's next day must not count
 * the day before's.
 */
async function dropRejectTables(conn: DuckDBConnection): Promise<void> {
  const r = await conn.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE temporary AND (table_name LIKE 'rej\\_errors\\_%' ESCAPE '\\' OR table_name LIKE 'rej\\_scans\\_%' ESCAPE '\\')",
  );
  for (const [name] of r.getRows()) await conn.run(`DROP TABLE IF EXISTS temp.main."${String(name)}"`);
}
