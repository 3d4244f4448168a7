// Runs the in-repo SMSC simulator as its own process (a peer for manual tries
// and for bench/sms.bench.ts), optionally driving handset traffic at an ESME.
//   node --conditions=source --import tsx packages/sms/scripts/smsc-server.ts [--port N] [--system-id ID] [--password PW]
// Prints {"event":"listening","port":N}; reads JSON commands on stdin, one per line:
//   {"cmd":"load","durationMs":8000,"concurrency":32,"to":"10086","text":"CXMYD"}
//      texts `text` from many numbers, each waiting for its reply, and prints
//      {"event":"load-done","completed":n,"elapsedMs":t,"p50Ms":..,"p99Ms":..}
//   {"cmd":"stats"}   {"cmd":"quit"}
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SmscSimulator, type SubmittedMessage } from '../src/testing/index.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, 'system-id': { type: 'string' }, password: { type: 'string' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('--port must be 0-65535\n');
  process.exit(2);
}

const smsc = await SmscSimulator.start({ port, systemId: values['system-id'], password: values.password, keep: 1000 });
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ event: 'listening', port: smsc.port });

const waiting = new Map<string, (m: SubmittedMessage) => void>();
smsc.on('message', (m: SubmittedMessage) => {
  const w = waiting.get(m.to);
  if (w) {
    waiting.delete(m.to);
    w(m);
  }
});

interface LoadCommand {
  durationMs: number;
  concurrency: number;
  to: string;
  text: string;
}

async function load(c: LoadCommand): Promise<void> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + c.durationMs;
  let failed = 0;
  const slot = async (i: number) => {
    let n = 0;
    while (performance.now() < end) {
      // Each slot texts from its own numbers so replies are told apart by destination.
      const from = `139${String(i).padStart(3, '0')}${String(n++ % 100_000).padStart(5, '0')}`;
      const t0 = performance.now();
      const replied = new Promise<SubmittedMessage>((resolve) => waiting.set(from, resolve));
      try {
        await smsc.deliver(from, c.to, c.text);
        await Promise.race([
          replied,
          new Promise((_, reject) => setTimeout(() => reject(new Error('no reply')), 10_000).unref()),
        ]);
        latencies.push(performance.now() - t0);
      } catch {
        waiting.delete(from);
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, (_, i) => slot(i)));
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  out({
    event: 'load-done',
    completed: latencies.length,
    failed,
    elapsedMs: performance.now() - start,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
  });
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let c: { cmd?: string } & Partial<LoadCommand>;
  try {
    c = JSON.parse(line);
  } catch {
    out({ event: 'error', reason: 'not JSON' });
    return;
  }
  if (c.cmd === 'load') {
    void load({
      durationMs: c.durationMs ?? 5000,
      concurrency: c.concurrency ?? 16,
      to: c.to ?? '10086',
      text: c.text ?? 'CXMYD',
    });
  } else if (c.cmd === 'stats') {
    out({ event: 'stats', ...smsc.counters });
  } else if (c.cmd === 'quit') {
    void smsc.close().then(() => process.exit(0));
  } else {
    out({ event: 'error', reason: `unknown command ${c.cmd}` });
  }
});
rl.on('close', () => void smsc.close().then(() => process.exit(0)));
