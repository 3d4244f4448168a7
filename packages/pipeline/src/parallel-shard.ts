// Runs a shard on two threads: this one takes half of the subscriber buckets,
// a worker thread the other half; the records are in shared memory.
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
import type { ShardJob } from './shard-worker.ts';

/** Below this many records a second thread costs more than it saves. */
const MIN_PARALLEL_RECORDS = 200_000;

export async function processShardParallel(
  input: ShardInput,
  subscriberCount: number,
  model: CellModel,
  spec: DaysSpec,
  sink: SubscriberSink,
  params: EngineParams | undefined,
  carries: ((sub: number) => Carry | null) | undefined,
  threads: number,
  minRecords = MIN_PARALLEL_RECORDS,
): Promise<ShardResult> {
  if (threads < 2 || input.length < minRecords) {
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
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    workerData: { entry: new URL('./shard-worker.ts', import.meta.url).href },
  });
  try {
    const job: ShardJob = {
      input: { sub: input.sub, t: input.t, place: input.place, ev: input.ev, length: input.length },
      subscriberCount,
      model,
      spec,
      params,
      carries: carryEnc,
      part: { offset: 1, stride: 2 },
    };
    const answer = new Promise<{ ok: boolean; res?: ShardResult; enc?: Encoded; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`shard worker exited with code ${code}`)));
    });
    worker.postMessage(job);
    const local = processShard(input, subscriberCount, model, spec, sink, params, carries, { offset: 0, stride: 2 });
    const msg = await answer;
    if (!msg.ok) throw new Error(`shard worker failed: ${msg.error}`);
    replayResults(msg.enc!, spec.dayCount, sink);
    return {
      duplicates: local.duplicates + msg.res!.duplicates,
      subscribersWithRecords: local.subscribersWithRecords + msg.res!.subscribersWithRecords,
    };
  } finally {
    await worker.terminate();
  }
}
