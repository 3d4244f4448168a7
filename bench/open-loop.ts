// An open-loop load generator for latency at a fixed rate: requests are
// scheduled evenly (rate per second) whatever the server does, and each
// latency is measured from its scheduled time, so stalls and queueing are not
// hidden (no coordinated omission). autocannon's rate mode sends each second's
// quota in a burst and then idles, which measures its own bursts instead.
// Raw keep-alive sockets with prebuilt requests keep the generator cheap.
//
// The generator shares the machine's CPUs with the servers it measures. In
// Node it costs about 50 µs of CPU a request (a third of a vCPU at 7,000/s),
// and its own collections and event-loop pauses (10-20 ms) land in the
// latencies it reports. So the same loop written in C (open-loop.c, compiled
// once with the system's C compiler) is used where a compiler is found; this
// file's loop is the fallback (or OPEN_LOOP_GENERATOR=node), and each result
// says which one measured it.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';

/**
 * In a request, replaced by the wall-clock time in epoch milliseconds (13
 * digits) when it is sent; the Node loop refreshes it once a second.
 */
export const NOW_EPOCH = '{{now-epoch}}';

export interface OpenLoopResult {
  /** Which loop measured: `c` (open-loop.c) or `node` (the fallback). */
  generator: 'c' | 'node';
  /** Longest the generator itself was late (ms): a large one taints the latencies. */
  stall: number;
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU time the generator used (ms, user + system): taken from the servers it measures. */
  cpu: number;
}

interface Conn {
  socket: net.Socket;
  busy: boolean;
  scheduled: number;
  buf: Buffer;
}

/** A GET request for `url` with extra headers, ready to write to a keep-alive socket. */
export function getRequest(url: string, headers: Record<string, string> = {}): Buffer {
  const target = new URL(url);
  let head = `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH = Buffer.from('content-length:');
const CLOSING = /\r\nconnection:[ \t]*close/i;

/**
 * Connections a loop opens unless told (BENCH_OPEN_LOOP_CONNECTIONS). A request waits
 * for a free one, so they must outnumber the requests in flight at the rate offered,
 * as phones each on their own connection would: else the loop caps the rate itself
 * and the latencies measure its own queue. A query answered once its audit commit is
 * on disk (2-4 ms with fsync) keeps about 60 in flight at 21,000/s: with 64
 * connections the platform's p99 at that rate was 675 ms, with 512 49-90 ms.
 */
export const OPEN_LOOP_CONNECTIONS = Number(process.env.BENCH_OPEN_LOOP_CONNECTIONS ?? '512');

/**
 * `requests` are sent in turn, prebuilt by the caller (as autocannon's are, so
 * the generator costs the same per request whatever the route); NOW_EPOCH in
 * one is filled in as it is sent. Responses must carry a content-length.
 */
export async function openLoop(
  url: string,
  rate: number,
  seconds: number,
  requests: Buffer[] = [getRequest(url)],
  connections = OPEN_LOOP_CONNECTIONS,
): Promise<OpenLoopResult> {
  const binary = process.env.OPEN_LOOP_GENERATOR === 'node' ? null : compiledGenerator();
  if (binary) return openLoopC(binary, url, rate, seconds, requests, connections);
  return openLoopNode(url, rate, seconds, requests, connections);
}

/** The compiled generator and each run's requests file. */
const CACHE_DIR = join(tmpdir(), 'itinerary-card-bench');
const execFileAsync = promisify(execFile);
let compiled: string | null | undefined;

/** open-loop.c compiled into a cache directory (once per source version), or null without a C compiler. */
function compiledGenerator(): string | null {
  if (compiled === undefined) compiled = compile();
  return compiled;
}

function compile(): string | null {
  const source = new URL('./open-loop.c', import.meta.url).pathname;
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const binary = join(CACHE_DIR, `open-loop-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${binary}.${process.pid}`;
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', partial, source], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(partial, binary);
    return binary;
  } catch (e) {
    rmSync(partial, { force: true });
    console.error(`open-loop: no C generator (${(e as Error).message.split('\n')[0]}); measuring with the Node loop`);
    return null;
  }
}

async function openLoopC(
  binary: string,
  url: string,
  rate: number,
  seconds: number,
  requests: Buffer[],
  connections: number,
): Promise<OpenLoopResult> {
  const target = new URL(url);
  const file = join(CACHE_DIR, `requests-${process.pid}`);
  // The requests carry session tokens: readable by this user only.
  writeFileSync(file, Buffer.concat(requests.flatMap((r) => [r, Buffer.alloc(1)])), { mode: 0o600 });
  try {
    const args = [target.hostname, target.port, String(rate), String(seconds), String(connections), file];
    const { stdout } = await execFileAsync(binary, args).catch((e: { code?: number; stderr?: string }) => {
      throw new Error(`open-loop generator exited ${e.code}: ${String(e.stderr ?? '').trim()}`);
    });
    const r = JSON.parse(stdout) as Omit<OpenLoopResult, 'generator'>;
    return { ...r, generator: 'c' };
  } finally {
    rmSync(file, { force: true });
  }
}

async function openLoopNode(
  url: string,
  rate: number,
  seconds: number,
  requests: Buffer[],
  connections: number,
): Promise<OpenLoopResult> {
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const waiting: number[] = [];
  const idle: Conn[] = [];
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let done = 0;
  let resolveAll: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    resolveAll = resolve;
    fail = reject;
  });

  const complete = (c: Conn, status: number) => {
    latencies.push(performance.now() - c.scheduled);
    if (status >= 200 && status < 300) ok++;
    else errors++;
    c.busy = false;
    if (++done === total) resolveAll();
    const next = waiting.shift();
    if (next !== undefined) send(c, next);
    else idle.push(c);
  };

  // Requests with the time filled in, made again each second.
  const timed = requests.map((r) => r.indexOf(NOW_EPOCH));
  let filled: Buffer[] = [];
  let filledAt = Number.NEGATIVE_INFINITY;
  let next = 0;
  const request = () => {
    const now = Date.now();
    if (now - filledAt >= 1000) {
      filledAt = now;
      const stamp = Buffer.from(String(now).padStart(13, '0'));
      filled = requests.map((r, i) => {
        if (timed[i]! < 0) return r;
        const b = Buffer.from(r);
        stamp.copy(b, timed[i]!);
        return b;
      });
    }
    return filled[next++ % filled.length]!;
  };
  const send = (c: Conn, scheduled: number) => {
    c.busy = true;
    c.scheduled = scheduled;
    c.socket.write(request());
  };

  let stopped = false;
  // One response at a time per connection: headers, then content-length bytes.
  const onData = (c: Conn, d: Buffer) => {
    c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
    for (;;) {
      const end = c.buf.indexOf(HEAD_END);
      if (end < 0) return;
      let at = c.buf.indexOf(LENGTH);
      let len = 0;
      if (at < 0 || at >= end) {
        fail(new Error(`a response without content-length: ${c.buf.subarray(0, end).toString('latin1')}`));
        return;
      }
      at += LENGTH.length;
      while (c.buf[at] === 0x20) at++;
      for (let ch = c.buf[at]!; ch >= 0x30 && ch <= 0x39; ch = c.buf[++at]!) len = len * 10 + ch - 0x30;
      if (c.buf.length < end + 4 + len) return;
      // "HTTP/1.1 200": the status is bytes 9..11.
      const status = (c.buf[9]! - 0x30) * 100 + (c.buf[10]! - 0x30) * 10 + (c.buf[11]! - 0x30);
      // "Connection: close": the server closes this connection after the response; the next
      // request goes on a new one (sent on this one, it would fail on the close).
      if (CLOSING.test(c.buf.toString('latin1', 0, end))) {
        const old = c.socket;
        open(c, (e) => e && fail(e));
        old.destroy();
        complete(c, status);
        return;
      }
      c.buf = c.buf.subarray(end + 4 + len);
      complete(c, status);
    }
  };
  /** Connects c; a connection the server closes is made again, and its request, if any, failed. */
  const open = (c: Conn, connected: (e?: Error) => void) => {
    let up = false;
    const socket = net.connect(Number(target.port), target.hostname, () => {
      up = true;
      connected();
    });
    socket.setNoDelay(true);
    c.socket = socket;
    c.buf = Buffer.alloc(0);
    // Once connected, an error (a reset) is followed by 'close', which counts the request failed.
    socket.on('error', (e) => up || connected(e));
    socket.on('data', (d: Buffer) => onData(c, d));
    socket.on('close', () => {
      if (stopped || socket !== c.socket) return;
      open(c, (e) => e && fail(e));
      if (c.busy) complete(c, 0);
    });
  };
  const conns = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const c = { busy: false, scheduled: 0 } as Conn;
          open(c, (e) => (e ? reject(e) : resolve(c)));
        }),
    ),
  );
  idle.push(...conns);
  const cpu = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const start = performance.now();
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent < due) {
      const scheduled = start + (sent * 1000) / rate;
      const c = idle.pop();
      if (c) send(c, scheduled);
      else waiting.push(scheduled);
      sent++;
    }
    // A 1 ms timer, not setImmediate: a generator that spins on its event loop takes a
    // whole core from the server on a small machine. Each request is still timed from
    // its own scheduled instant, so the batching adds at most a timer period.
    if (sent < total && !stopped) setTimeout(tick, 1);
  };
  tick();
  try {
    await finished;
  } finally {
    stopped = true;
    loop.disable();
    for (const c of conns) c.socket.destroy();
  }
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    generator: 'node',
    stall: loop.max / 1e6,
    sent,
    ok,
    errors,
    p50: q(0.5),
    p99: q(0.99),
    max: latencies.at(-1) ?? 0,
    cpu: (used.user + used.system) / 1000,
  };
}
