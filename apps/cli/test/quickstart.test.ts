// QUICK-START TEST (slow: about a minute). Runs the README's quick start on a
// clean clone of this repository's HEAD: `npm install && npm start`, with a small
// world, then fetches every URL the demo prints and expects 200.
//
// `npm install` is replaced by linking the dependencies this checkout already
// installed (each entry of node_modules is symlinked, our own workspace packages
// point into the clone): CI has no internet beyond the npm registry and a fresh
// install of ~250 packages would take minutes on this machine, while what is
// under test is the clone's own code, scripts and README commands.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePortRun } from '@itinerary-card/store/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PORTS } from '../src/demo/demo.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'quickstart-'));
const clone = join(tmp, 'itinerary-card');
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** The clone's node_modules: every installed package linked, workspace packages pointing into the clone. */
function linkDependencies(): void {
  const src = join(repo, 'node_modules');
  const dst = join(clone, 'node_modules');
  mkdirSync(join(dst, '.bin'), { recursive: true });
  mkdirSync(join(dst, '@itinerary-card'));
  for (const name of readdirSync(src)) {
    if (name === '.bin' || name === '@itinerary-card' || name === '.vite' || name === '.cache') continue;
    symlinkSync(join(src, name), join(dst, name));
  }
  for (const name of readdirSync(join(src, '@itinerary-card')))
    symlinkSync(readlinkSync(join(src, '@itinerary-card', name)), join(dst, '@itinerary-card', name));
  for (const name of readdirSync(join(src, '.bin'))) {
    const target = readlinkSync(join(src, '.bin', name));
    // ../vite/bin/vite.js resolves through the linked package; ../@itinerary-card/… into the clone.
    symlinkSync(target, join(dst, '.bin', name));
  }
}

function quickStartCommands(): { install: string; start: string } {
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const block = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const install = block.split('\n').find((l) => l.includes('npm install')) ?? '';
  return { install: install.trim(), start: 'npm start' };
}

describe('README quick start on a clean clone (slow)', () => {
  it('starts the demo with npm start and every printed URL answers 200', async () => {
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${repo}`, clone]);
    const { install } = quickStartCommands();
    expect(install).toBe('npm install && npm start');
    linkDependencies();
    const port = await freePortRun(DEMO_PORTS);
    child = spawn(
      'npm',
      ['start', '--', '--subscribers', '500', '--port', String(port), '--work-dir', join(tmp, 'demo')],
      { cwd: clone, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
    });
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        if (out.includes('Press Ctrl+C to stop')) {
          clearInterval(timer);
          ok();
        }
      }, 250);
      child!.once('exit', (code) => {
        clearInterval(timer);
        fail(new Error(`npm start exited with ${code}\n${out}\n${err.slice(-3000)}`));
      });
    });
    const urls = [...out.matchAll(/https?:\/\/127\.0\.0\.1:\d+\/[^\s]*/g)].map((m) =>
      m[0].replace('<number>', '13800000000'),
    );
    expect(urls.length).toBeGreaterThanOrEqual(9);
    for (const url of urls) {
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
    }
    // Nothing that reads like a failure: no build warning, no npm notice; Beijing time in +08:00.
    expect(`${out}\n${err}`).not.toMatch(/\(!\)|Some chunks are larger|npm warn|npm WARN/);
    expect(out).toMatch(/Beijing time \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00/);
    expect(out).toContain(`cmcc http://127.0.0.1:${port + 2}`);
    // The numbers table lists the interesting cases.
    for (const label of ['stay-at-home', 'traveller', 'back from abroad', 'new number', 'MVNO', 'secondary number'])
      expect(out).toContain(label);
  }, 300_000);
});
