// Runs a shard on two threads: this one takes half of the subscriber buckets,
// a worker thread the other half; the records are in shared memory. The worker
// is started before the signaling is read, so its start-up (loading the
// engine's modules) overlaps DuckDB's work instead of delaying the stays; it
// serves every shard of the run, and is kept for the process's next run.
import { Worker } from 'node:worker_threads';
import type { Carry, CellModel, EngineParams } from '@itinerary-card/stay-engine';
import { type Encoded, encodeCarries, replayResults } from './shard-codec.ts';
import {
  bucketBits,
  type DaysSpec,
  processShard,
  type ShardInput,
  type ShardResult,
  type SubscriberSink,
} from './shard-processor.ts';
import type { ShardJob, ShardReply } from './shard-worker.ts';

/** Below this many records a second thread costs more than it saves. */
export const MIN_PARALLEL_RECORDS = 200_000;

/**
 * Where the worker thread starts. Compiled (dist/), on shard-worker.js beside
 * this module: plain JavaScript, built by `npm run build`, nothing to transform
 * at run time. From the TypeScript sources (tests, tsx), through a bootstrap
 * that registers tsx in the thread.
 */
function workerOptions(): { url: URL; workerData?: { entry: string } } {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./shard-worker.js', import.meta.url) };
  return {
    url: new URL('./worker-entry.mjs', import.meta.url),
    workerData: { entry: new URL('./shard-worker.ts', import.meta.url).href },
  };
}

/**
 * The process's Node flags for the worker, less a `-e`/`-p` script's (the script and
 * `--input-type`), which a worker started on a file refuses (ERR_INPUT_TYPE_NOT_ALLOWED).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++;
    else if (!/^--(eval|print|input-type)(=|$)/.test(a)) out.push(a);
  }
  return out;
}

/** One worker thread for the shards of a run; `close()` ends it. */
export class ShardHelper {
  private readonly worker: Worker;
  private failure: Error | undefined;
  private closed = false;
  private pending: { resolve: (r: ShardReply) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    const { url, workerData } = workerOptions();
    this.worker = new Worker(url, { workerData, execArgv: workerExecArgv() });
    this.worker.on('message', (m: ShardReply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(m);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`shard worker exited with code ${code}`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.pending?.reject(e);
    this.pending = undefined;
  }

  /**
   * Posts the job at once (synchronously: the caller then works on its own half
   * without yielding); a worker still loading finds it queued.
   */
  run(job: ShardJob): Promise<ShardReply> {
    return new Promise<ShardReply>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending = { resolve, reject };
      this.worker.postMessage(job);
    });
  }

  /** Alive, and not working on a job: another run may use it. */
  get idle(): boolean {
    return !this.failure && !this.pending && !this.closed;
  }

  /** While unreferenced, the thread does not keep the process alive. */
  ref(on: boolean): void {
    if (on) this.worker.ref();
    else this.worker.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * A helper kept between the runs of a process: starting one (a thread that
 * loads the engine's modules) costs CPU, little compiled and about half a
 * second from the sources through tsx, which a long-lived operator node would
 * otherwise pay on every daily run.
 * One run at a time uses it; a run that finds it taken starts its own.
 */
let spare: ShardHelper | undefined;

export async function takeShardHelper(): Promise<ShardHelper> {
  const h = spare;
  spare = undefined;
  if (h?.idle) {
    h.ref(true);
    return h;
  }
  if (h) void h.close();
  return new ShardHelper();
}

/** Hands a run's helper back: kept for the next run when it is idle and none is kept yet, else ended. */
export async function releaseShardHelper(h: ShardHelper): Promise<void> {
  if (!h.idle || spare) return h.close();
  h.ref(false);
  spare = h;
}

export async function processShardParallel(
  input: ShardInput,
  subscriberCount: number,
  model: CellModel,
  spec: DaysSpec,
  sink: SubscriberSink,
  params: EngineParams | undefined,
  carries: ((sub: number) => Carry | null) | undefined,
  helper: ShardHelper | undefined,
  minRecords = MIN_PARALLEL_RECORDS,
): Promise<ShardResult> {
  if (!helper || input.length < minRecords) {
    return processShard(input, subscriberCount, model, spec, sink, params, carries);
  }
  const bits = bucketBits(subscriberCount);
  const mask = (1 << bits) - 1;
  let carryEnc: Encoded | undefined;
  if (carries) {
    const mine: Array<[number, Carry]> = [];
    for (let s = 0; s < subscriberCount; s++) {
      if ((s & mask) % 2 !== 1) continue;
      const c = carries(s);
      if (c) mine.push([s, c]);
    }
    carryEnc = encodeCarries(mine);
  }
  const job: ShardJob = {
    input: { sub: input.sub, t: input.t, place: input.place, ev: input.ev, length: input.length, runs: input.runs },
    subscriberCount,
    model,
    spec,
    params,
    carries: carryEnc,
    part: { offset: 1, stride: 2 },
  };
  const answer = helper.run(job);
  // A failure of the worker is reported after this thread's half, not as an unhandled rejection.
  answer.catch(() => undefined);
  const local = processShard(input, subscriberCount, model, spec, sink, params, carries, { offset: 0, stride: 2 });
  const msg = await answer;
  if (!msg.ok) throw new Error(`shard worker failed: ${msg.error}`);
  replayResults(msg.enc, spec.dayCount, sink);
  return {
    duplicates: local.duplicates + msg.res.duplicates,
    subscribersWithRecords: local.subscribersWithRecords + msg.res.subscribersWithRecords,
  };
}
