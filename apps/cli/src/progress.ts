// Progress of long runs: a bar on a terminal (cli-progress), structured JSON
// lines on stderr otherwise, so logs of scheduled runs show where a run is.
import cliProgress from 'cli-progress';

export interface ProgressEvent {
  phase: string;
  rows: number;
  estimatedRows: number;
  shard: number;
  shards: number;
}

export function progressReporter(task: string): { update: (p: ProgressEvent) => void; done: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${task} [{bar}] {percentage}% | {value}/{total} records | {phase}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        const total = Math.max(p.estimatedRows, p.rows, 1);
        if (!started) {
          bar.start(total, 0, { phase: p.phase });
          started = true;
        }
        bar.setTotal(total);
        bar.update(Math.min(p.rows, total), {
          // Shard 0 is the one read of the input that all shards share.
          phase: p.shards > 1 && p.shard > 0 ? `${p.phase} shard ${p.shard}/${p.shards}` : p.phase,
        });
      },
      done: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 2000 && p.phase === 'read') return;
      last = now;
      process.stderr.write(
        `${JSON.stringify({ level: 'info', task, msg: 'progress', ...p, time: new Date(now).toISOString() })}\n`,
      );
    },
    done: () => {},
  };
}
