// Worker thread: processes its share of a shard's subscriber buckets and sends
// the results back encoded (see shard-codec.ts).
import { parentPort } from 'node:worker_threads';
import type { CellModel, EngineParams } from '@itinerary-card/stay-engine';
import { decodeCarries, type Encoded, ResultWriter } from './shard-codec.ts';
import { type DaysSpec, processShard, type ShardInput } from './shard-processor.ts';

export interface ShardJob {
  input: ShardInput;
  subscriberCount: number;
  model: CellModel;
  spec: DaysSpec;
  params?: EngineParams;
  carries?: Encoded;
  part: { offset: number; stride: number };
}

parentPort!.on('message', (job: ShardJob) => {
  try {
    const carries = job.carries ? decodeCarries(job.carries) : undefined;
    const out = new ResultWriter();
    const res = processShard(
      job.input,
      job.subscriberCount,
      job.model,
      job.spec,
      (s, d, c) => out.add(s, d, c),
      job.params,
      carries ? (s) => carries.get(s) ?? null : undefined,
      job.part,
    );
    const enc = out.done();
    parentPort!.postMessage({ ok: true, res, enc }, [enc.ints.buffer as ArrayBuffer, enc.floats.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: String((e as Error).stack ?? e) });
  }
});
