// Worker thread: processes its share of a shard's subscriber buckets and sends
// the results back encoded (see shard-codec.ts), one reply per job.
import { parentPort } from 'node:worker_threads';
import type { CellModel, EngineParams } from '@itinerary-card/stay-engine';
import { decodeCarries, type Encoded, ResultWriter } from './shard-codec.ts';
import { type DaysSpec, processShard, type ShardInput, type ShardResult } from './shard-processor.ts';

export interface ShardJob {
  input: ShardInput;
  subscriberCount: number;
  model: CellModel;
  spec: DaysSpec;
  params?: EngineParams;
  carries?: Encoded;
  part: { offset: number; stride: number };
}

export type ShardReply = { ok: true; res: ShardResult; enc: Encoded } | { ok: false; error: string };

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
    const reply: ShardReply = { ok: true, res, enc };
    parentPort!.postMessage(reply, [enc.ints.buffer as ArrayBuffer, enc.floats.buffer as ArrayBuffer]);
  } catch (e) {
    const reply: ShardReply = { ok: false, error: String((e as Error).stack ?? e) };
    parentPort!.postMessage(reply);
  }
});
