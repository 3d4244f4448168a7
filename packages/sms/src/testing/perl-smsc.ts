// Starts the Net::SMPP peer (perl-smsc.pl) on a free 127.0.0.1 port and lets a
// test send it commands and wait for the events it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PerlEvent {
  event: string;
  [k: string]: unknown;
}

export class PerlSmsc {
  readonly events: PerlEvent[] = [];
  private waiters: { match: (e: PerlEvent) => boolean; resolve: (e: PerlEvent) => void }[] = [];
  port = 0;

  private constructor(private readonly child: ChildProcess) {}

  static async start(systemId = 'itinerary', password = 'secret'): Promise<PerlSmsc> {
    const script = fileURLToPath(new URL('./perl-smsc.pl', import.meta.url));
    const child = spawn('perl', [script, '0', systemId, password], { stdio: ['pipe', 'pipe', 'pipe'] });
    const smsc = new PerlSmsc(child);
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) smsc.push(JSON.parse(line) as PerlEvent);
      }
    });
    child.stderr!.resume();
    const listening = await Promise.race([
      smsc.waitFor((e) => e.event === 'listening', 10_000),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`perl SMSC exited ${code}`)))),
    ]);
    smsc.port = Number(listening.port);
    return smsc;
  }

  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Resolves with the first event (already seen or future) that matches and has not been claimed. */
  waitFor(match: (e: PerlEvent) => boolean, timeoutMs = 5000): Promise<PerlEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(
          new Error(
            `perl SMSC: no matching event in ${timeoutMs} ms; saw ${this.events.map((e) => e.event).join(',')}`,
          ),
        );
      }, timeoutMs).unref();
    });
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }

  private push(e: PerlEvent): void {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.match(e)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(e);
      }
    }
  }
}
