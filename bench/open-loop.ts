// An open-loop load generator for latency at a fixed rate: requests are
// scheduled evenly (rate per second) whatever the server does, and each
// latency is measured from its scheduled time, so stalls and queueing are not
// hidden (no coordinated omission). autocannon's rate mode sends each second's
// quota in a burst and then idles, which measures its own bursts instead.
// Raw keep-alive sockets with prebuilt requests keep the generator cheap.
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface OpenLoopResult {
  /** Longest stall of the generator's own event loop (ms): a large one taints the latencies. */
  stall: number;
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
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

/**
 * `request` gives the bytes of each request (prebuilt by the caller, as
 * autocannon's are, so the generator costs the same per request whatever the
 * route). Responses must carry a lower-case content-length (Node's do).
 */
export async function openLoop(
  url: string,
  rate: number,
  seconds: number,
  request: () => Buffer = (() => {
    const fixed = getRequest(url);
    return () => fixed;
  })(),
  connections = 64,
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
  const finished = new Promise<void>((r) => {
    resolveAll = r;
  });

  const complete = (c: Conn, status: number) => {
    latencies.push(performance.now() - c.scheduled);
    if (status === 200) ok++;
    else errors++;
    c.busy = false;
    if (++done === total) resolveAll();
    const next = waiting.shift();
    if (next !== undefined) send(c, next);
    else idle.push(c);
  };

  const send = (c: Conn, scheduled: number) => {
    c.busy = true;
    c.scheduled = scheduled;
    c.socket.write(request());
  };

  const conns = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = net.connect(Number(target.port), target.hostname, () => resolve(c));
          socket.setNoDelay(true);
          const c: Conn = { socket, busy: false, scheduled: 0, buf: Buffer.alloc(0) };
          socket.on('error', reject);
          socket.on('data', (d: Buffer) => {
            c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
            // One response at a time per connection: headers, then content-length bytes.
            for (;;) {
              const end = c.buf.indexOf(HEAD_END);
              if (end < 0) return;
              let at = c.buf.indexOf(LENGTH);
              let len = 0;
              if (at >= 0 && at < end) {
                at += LENGTH.length;
                while (c.buf[at] === 0x20) at++;
                for (let ch = c.buf[at]!; ch >= 0x30 && ch <= 0x39; ch = c.buf[++at]!) len = len * 10 + ch - 0x30;
              }
              if (c.buf.length < end + 4 + len) return;
              // "HTTP/1.1 200": the status is bytes 9..11.
              const status = (c.buf[9]! - 0x30) * 100 + (c.buf[10]! - 0x30) * 10 + (c.buf[11]! - 0x30);
              c.buf = c.buf.subarray(end + 4 + len);
              complete(c, status);
            }
          });
        }),
    ),
  );
  idle.push(...conns);
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
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  await finished;
  loop.disable();
  for (const c of conns) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { stall: loop.max / 1e6, sent, ok, errors, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? 0 };
}
