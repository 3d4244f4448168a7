// The CLI as a child process for the tests that run it long-lived (`serve`):
// its development entry, an environment of PATH and what the test gives,
// stdout and stderr collected, and every child killed at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const DEV_BIN = join(import.meta.dirname, '..', 'bin', 'itinerary-card-dev.js');

const children: ChildProcess[] = [];

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far. */
  out: { stdout: string; stderr: string };
  /** The exit code (null: ended by a signal). */
  exited: Promise<number | null>;
}

/** `itinerary-card <args>` with PATH and `env` only. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [DEV_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out, exited };
}

/** SIGKILLs every child spawned so far that is still running (a test's afterEach or afterAll). */
export function killCliProcesses(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Polls `check` every 100 ms until it holds; past `ms`, fails naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
