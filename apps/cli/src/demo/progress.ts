// Progress of the demo's preparation steps: a bar on a terminal (cli-progress),
// a line per step and every 10 % otherwise (CI logs, the quick-start test).
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, note?: string): void;
  setTotal(total: number): void;
  done(): void;
}

export function stepProgress(task: string, total: number, unit: string): Progress {
  const t0 = performance.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${task} [{bar}] {percentage}% | {value}/{total} ${unit} | {note}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { note: '' });
    return {
      update: (v, note) => bar.update(v, { note: note ?? '' }),
      setTotal: (t) => bar.setTotal(t),
      done: () => {
        bar.stop();
        process.stderr.write(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      },
    };
  }
  let max = total;
  let lastTenth = -1;
  process.stderr.write(`${task}...\n`);
  return {
    update: (v) => {
      const tenth = Math.floor((v / Math.max(max, 1)) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`  ${task}: ${v}/${max} ${unit}\n`);
      }
    },
    setTotal: (t) => {
      max = t;
    },
    done: () => process.stderr.write(`  ${task}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`),
  };
}
