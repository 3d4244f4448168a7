// One process of the topology (`itinerary-card serve …`, HAProxy): started
// with its environment, its output appended to a log file, ready when its URL
// answers from its own socket; it can be killed (any signal) and started again on
// the same port.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { listensOn } from './port-owner.ts';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Answers 200 once the process is ready (e.g. `http://127.0.0.1:p/healthz`); none: ready once started. */
  readyUrl?: string;
  /** Extra check of the ready answer's body (an operator node has loaded its snapshot). */
  readyBody?: (body: string) => boolean;
  logFile: string;
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  /** Times started (1 after the first start). */
  starts = 0;

  constructor(readonly spec: ServiceSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get name(): string {
    return this.spec.name;
  }

  pid(): number | undefined {
    return this.running() ? this.child!.pid : undefined;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it is ready; `signal` gives up waiting (the process stays, for stop()). */
  async start(timeoutMs = 150_000, signal?: AbortSignal): Promise<void> {
    const child = spawn(this.spec.command, this.spec.args, {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    const deadline = Date.now() + timeoutMs;
    if (!this.spec.readyUrl) return;
    const url = new URL(this.spec.readyUrl);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let last = 'no answer yet';
    for (;;) {
      signal?.throwIfAborted();
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `${this.name} exited (${child.exitCode ?? child.signalCode}; last: ${last}); see ${this.spec.logFile}`,
        );
      try {
        const r = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(5000) });
        const body = await r.text();
        if (r.ok && (this.spec.readyBody?.(body) ?? true)) {
          // The answer may come from another program that took the port first.
          if (listensOn(child.pid!, port) !== false) return;
          last = `port ${port} answers from another process`;
        } else {
          last = `${r.status} ${body.slice(0, 200)}`;
        }
      } catch (e) {
        // not listening yet
        last = `${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`;
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready after ${timeoutMs} ms (last: ${last}); see ${this.spec.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `forceMs`). */
  stop(signal: NodeJS.Signals = 'SIGTERM', forceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), forceMs);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  }

  close(): void {
    this.log.end();
  }
}
