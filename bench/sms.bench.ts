// SMS over SMPP on loopback: sustained login-code sends (submit_sm through the
// window) and CXMYD round trips (deliver_sm → channel → reply submit_sm), with
// the SMSC simulator in its own process; the peer is the development outbox
// transport doing the same work in the same run.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@itinerary-card/domain';
import { type ItineraryQuery, SmsChannel } from '@itinerary-card/platform';
import { OutboxTransport, SmppTransport, type SmsTransport } from '@itinerary-card/sms';

const SMSC = fileURLToPath(new URL('../packages/sms/scripts/smsc-server.ts', import.meta.url));
const SECONDS = Number(process.env.SMS_BENCH_SECONDS ?? '8');
const PEER_SECONDS = Math.max(1, Math.round(SECONDS / 4));
const OUTSTANDING = 256;
const CXMYD_CONCURRENCY = 32;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A fixed answer: the benchmark measures the SMS path, not the operator nodes. */
const itinerary: ItineraryQuery = {
  async query(msisdn) {
    return {
      phone: `${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`,
      updatedAt: '2022-09-08T08:05:00+08:00',
      windowDays: 7,
      cities: [
        { province: '江西省', city: '南昌市', risk: false },
        { province: '北京市', city: '北京市', risk: false },
      ],
      countries: [{ name: '日本' }],
      notes: [],
    };
  },
};

interface Smsc {
  child: ChildProcess;
  port: number;
  next(event: string): Promise<Record<string, number>>;
  send(cmd: object): void;
}

function startSmsc(): Promise<Smsc> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', SMSC, '--system-id', 'bench', '--password', 'bench'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const waiters: Array<{ event: string; resolve(e: Record<string, number>): void }> = [];
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const e = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        const w = waiters.findIndex((x) => x.event === e.event);
        if (w >= 0) waiters.splice(w, 1)[0]!.resolve(e);
      }
    });
    const smsc: Smsc = {
      child,
      port: 0,
      next: (event) => new Promise((r) => waiters.push({ event, resolve: r })),
      send: (cmd) => child.stdin!.write(`${JSON.stringify(cmd)}\n`),
    };
    const timer = setTimeout(() => reject(new Error('SMSC simulator did not start')), 60_000);
    child.once('exit', (c) => reject(new Error(`SMSC simulator exited ${c}`)));
    void smsc.next('listening').then((e) => {
      clearTimeout(timer);
      smsc.port = e.port!;
      resolve(smsc);
    });
  });
}

/** Sends login-code SMS for `seconds` with OUTSTANDING in flight; returns messages per second. */
async function codeThroughput(t: SmsTransport, seconds: number): Promise<{ rate: number; failed: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  let n = 0;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      const code = String(100000 + (n % 900000));
      const to = `138${String(n++ % 100_000_000).padStart(8, '0')}`;
      try {
        await t.send({ to, text: `【通信行程卡】您的验证码为${code}，5分钟内有效，请勿泄露。` });
        done += 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: OUTSTANDING }, worker));
  return { rate: done / ((performance.now() - start) / 1000), failed };
}

/** CXMYD round trips through the outbox: handset message in, reply out, same channel code. */
async function outboxCxmyd(seconds: number): Promise<{ rate: number; p50: number; p99: number }> {
  const outbox = new OutboxTransport({ limit: 1000 });
  const channel = new SmsChannel({ itinerary, sender: outbox, clock: systemClock, log: silent });
  outbox.onInbound(async (m) => {
    await channel.handleInbound(m);
  });
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  const slot = async (i: number) => {
    let n = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      await outbox.receive({
        from: `139${String(i).padStart(3, '0')}${String(n++ % 100_000).padStart(5, '0')}`,
        to: '10086',
        text: 'CXMYD',
      });
      lat.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CXMYD_CONCURRENCY }, (_, i) => slot(i)));
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { rate: lat.length / ((performance.now() - start) / 1000), p50: q(0.5), p99: q(0.99) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export default async function run(): Promise<void> {
  const smsc = await startSmsc();
  const smpp = new SmppTransport({
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'bench',
    password: 'bench',
    defaultFrom: '106900',
    window: 64,
    registeredDelivery: false,
    logger: silent,
  });
  try {
    await smpp.start();

    const codes = await codeThroughput(smpp, SECONDS);
    const outbox = new OutboxTransport({ limit: 1000 });
    const codesPeer = await codeThroughput(outbox, PEER_SECONDS);
    console.log(
      `sms codes   SMPP (window 64, SMSC in its own process): ${fmt(codes.rate)} msg/s (${codes.failed} failed); dev outbox: ${fmt(codesPeer.rate)} msg/s; ratio SMPP/outbox ${(codes.rate / codesPeer.rate).toFixed(3)}`,
    );

    const channel = new SmsChannel({ itinerary, sender: smpp, clock: systemClock, log: silent });
    smpp.onInbound(async (m) => {
      await channel.handleInbound(m);
    });
    const done = smsc.next('load-done');
    smsc.send({ cmd: 'load', durationMs: SECONDS * 1000, concurrency: CXMYD_CONCURRENCY, to: '10086', text: 'CXMYD' });
    const rt = await done;
    const rtRate = rt.completed! / (rt.elapsedMs! / 1000);
    const peer = await outboxCxmyd(PEER_SECONDS);
    console.log(
      `sms CXMYD   SMPP round trips (deliver_sm → reply, 2-part UCS-2): ${fmt(rtRate)}/s p50 ${rt.p50Ms!.toFixed(1)} ms p99 ${rt.p99Ms!.toFixed(1)} ms (${rt.failed} failed); dev outbox: ${fmt(peer.rate)}/s p99 ${peer.p99.toFixed(2)} ms; ratio SMPP/outbox ${(rtRate / peer.rate).toFixed(3)}`,
    );
    const s = smpp.stats();
    console.log(
      `sms smpp    submitted ${fmt(s.submitted)} acknowledged ${fmt(s.acknowledged)} throttled ${s.throttled} reconnects ${s.reconnects} max in flight ${s.maxInFlight}`,
    );
  } finally {
    await smpp.close();
    smsc.send({ cmd: 'quit' });
    await new Promise<void>((resolve) => {
      if (smsc.child.exitCode !== null) return resolve();
      smsc.child.once('exit', () => resolve());
      setTimeout(() => smsc.child.kill('SIGKILL'), 5000).unref();
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
