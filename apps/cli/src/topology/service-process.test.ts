// A topology process is ready when its own socket answers its ready URL, not
// when another program that took its port first answers there.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@itinerary-card/store/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { listensOn } from './port-owner.ts';
import { ServiceProcess } from './service-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'service-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listen(server: Server, port: number): Promise<void> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
}

function node(name: string, script: string): ServiceProcess {
  return new ServiceProcess({
    name,
    command: process.execPath,
    args: ['-e', script],
    env: {},
    readyUrl: '',
    logFile: join(dir, `${name}.log`),
  });
}

describe('ServiceProcess', () => {
  it('is ready when its own process answers on the port', async () => {
    const port = await freePort();
    const p = node('own', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`);
    p.spec.readyUrl = `http://127.0.0.1:${port}/`;
    try {
      await p.start(20_000);
      expect(listensOn(p.pid()!, port)).toBe(true);
      // A port it does not listen on.
      expect(listensOn(p.pid()!, port + 1)).toBe(false);
    } finally {
      await p.stop();
      p.close();
    }
  });

  it('is ready when a process it started answers on the port (a cluster worker)', async () => {
    const port = await freePort();
    const child = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const p = node(
      'parent',
      `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'inherit' });
       process.on('SIGTERM', () => { c.kill(); process.exit(0); });`,
    );
    p.spec.readyUrl = `http://127.0.0.1:${port}/`;
    try {
      await p.start(20_000);
      expect(listensOn(p.pid()!, port)).toBe(true);
    } finally {
      await p.stop();
      p.close();
    }
  });

  it('is not ready while another process answers on its port', async () => {
    const port = await freePort();
    const foreign = createServer((_q, s) => s.end('ok'));
    await listen(foreign, port);
    const p = node('squatted', 'setInterval(() => {}, 1000)');
    p.spec.readyUrl = `http://127.0.0.1:${port}/`;
    try {
      await expect(p.start(2_000)).rejects.toThrow(`port ${port} answers from another process`);
    } finally {
      foreign.close();
      await p.stop();
      p.close();
    }
  });
});
