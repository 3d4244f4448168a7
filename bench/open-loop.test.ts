// The benchmark's open-loop generator counts what it sends and what comes back,
// fills in the client time, and reports failures, in both of its loops.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRequest, NOW_EPOCH, openLoop } from './open-loop.ts';

let server: http.Server;
let base: string;
const seen = { ok: 0, fail: 0, badClock: 0 };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const t = Number(req.headers['x-client-time']);
    if (req.headers['x-client-time'] !== undefined && !(Math.abs(t - Date.now()) < 60_000)) {
      seen.badClock++;
      res.writeHead(400, { 'content-type': 'text/plain', 'content-length': 5 }).end('clock');
      return;
    }
    if (req.url === '/close') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, connection: 'close' }).end('bye');
      return;
    }
    if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('no length');
      return;
    }
    if (req.url === '/created' && req.method === 'POST') {
      req.resume();
      req.on('end', () => {
        seen.ok++;
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
      });
      return;
    }
    if (req.url === '/fail') {
      seen.fail++;
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': 4 }).end('down');
      return;
    }
    seen.ok++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 17 }).end('{"hello":"world"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const hasCompiler = (() => {
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

for (const generator of ['c', 'node'] as const) {
  describe.skipIf(generator === 'c' && !hasCompiler)(`open-loop generator (${generator})`, () => {
    it('sends rate x seconds requests in turn, counts answers by status and fills in the client time', async () => {
      const before = { ...seen };
      process.env.OPEN_LOOP_GENERATOR = generator === 'node' ? 'node' : '';
      const r = await openLoop(
        `${base}/ok`,
        400,
        1,
        [getRequest(`${base}/ok`, { 'x-client-time': NOW_EPOCH }), getRequest(`${base}/fail`)],
        4,
      );
      expect(r.generator).toBe(generator);
      expect(r.sent).toBe(400);
      expect(r.ok + r.errors).toBe(400);
      expect(seen.badClock - before.badClock).toBe(0);
      expect(seen.ok - before.ok).toBe(200);
      expect(seen.fail - before.fail).toBe(200);
      expect(r.ok).toBe(200);
      expect(r.errors).toBe(200);
      expect(r.p50).toBeLessThanOrEqual(r.p99);
      expect(r.p99).toBeLessThanOrEqual(r.max);
      // Its own CPU time is reported (what it takes from the servers it measures).
      expect(r.cpu).toBeGreaterThan(0);
    });

    it('sends a request with a body and counts a 201 as answered', async () => {
      process.env.OPEN_LOOP_GENERATOR = generator === 'node' ? 'node' : '';
      const url = new URL(`${base}/created`);
      const post = Buffer.from(
        `POST /created HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n{"a":"b"}`,
        'latin1',
      );
      const r = await openLoop(`${base}/created`, 200, 1, [post], 2);
      expect(r.sent).toBe(200);
      expect(r.ok).toBe(200);
      expect(r.errors).toBe(0);
    });

    it('connects again when the server closes a connection after its answer', async () => {
      process.env.OPEN_LOOP_GENERATOR = generator === 'node' ? 'node' : '';
      // At this rate a request sent on the closing connection would fail (hundreds of the
      // thousand did, before "Connection: close" was heeded).
      const r = await openLoop(`${base}/close`, 1000, 1, [getRequest(`${base}/close`)], 2);
      expect(r.sent).toBe(1000);
      expect(r.ok).toBe(1000);
      expect(r.errors).toBe(0);
    });

    it('refuses a response it cannot delimit (no content-length) instead of miscounting', async () => {
      process.env.OPEN_LOOP_GENERATOR = generator === 'node' ? 'node' : '';
      await expect(openLoop(`${base}/chunked`, 50, 1, [getRequest(`${base}/chunked`)], 2)).rejects.toThrow(
        /without content-length/,
      );
    });
  });
}
