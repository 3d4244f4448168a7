// A CMCC operator node for the tests of the daily operation: its own input
// directory (the simulated world's registries, and the signaling day files
// delivered so far) and data directory, and a schedule pass at a given time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runSchedule, type ScheduleOutcome } from '@itinerary-card/pipeline';

export interface DailyNode {
  input: string;
  data: string;
  /** Copies the world's signaling file of `day` into the node's input. */
  deliver(day: string): void;
  /** One pass of `pipeline schedule` (08:00 update time) as of `now`. */
  pass(now: number): Promise<ScheduleOutcome>;
}

export function dailyNode(o: {
  /** The simulated world's input directory. */
  world: string;
  /** Where the node's input/ and data/ go. */
  dir: string;
  pseudonymKey: string;
  retentionDays: number;
  firstDay: string;
  /** Called after each delivery with the node's signaling directory (to add files of one's own). */
  onDeliver?: (day: string, signalingDir: string) => void;
}): DailyNode {
  const input = join(o.dir, 'input');
  const data = join(o.dir, 'data');
  const signaling = join(input, 'signaling');
  mkdirSync(signaling, { recursive: true });
  for (const f of ['cells.csv', 'subscribers.csv']) copyFileSync(join(o.world, f), join(input, f));
  return {
    input,
    data,
    deliver(day) {
      copyFileSync(join(o.world, 'signaling', `${day}.csv.gz`), join(signaling, `${day}.csv.gz`));
      o.onDeliver?.(day, signaling);
    },
    pass: (now) =>
      runSchedule({
        input,
        data,
        operator: 'cmcc',
        pseudonymKey: o.pseudonymKey,
        now,
        updateTime: '08:00',
        retentionDays: o.retentionDays,
        firstDay: o.firstDay,
      }),
  };
}
