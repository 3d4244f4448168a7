// PGlite in a worker thread behind the Sql interface: the embedded database's
// work leaves the app's event loop, as a PostgreSQL server's would. One
// connection: a transaction holds it, other statements wait for the end.
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Sql } from './sql.ts';
import { scrubSqlError } from './sql-error.ts';

type Reply = { id: number; rows?: unknown[]; error?: { message: string } & Record<string, unknown> };

export async function openPgliteWorkerSql(dataDir?: string): Promise<Sql> {
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
    workerData: { dataDir },
    // The worker is plain JS: no TypeScript loader needed in it.
    execArgv: [],
  });
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: { ready?: boolean }) => {
      if (m.ready) {
        worker.off('error', reject);
        resolve();
      }
    };
    worker.once('message', onMsg);
    worker.once('error', reject);
  });
  return new WorkerSql(worker);
}

class WorkerSql implements Sql {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  private activeTx: Promise<unknown> | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(scrubSqlError(Object.assign(new Error(m.error.message), m.error)));
      else p.resolve(m.rows ?? []);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`PGlite worker exited with ${code}`)));
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Sends one statement now (callers make sure no foreign transaction is open). */
  send<T>(op: 'query' | 'exec' | 'close', text = '', params?: unknown[], prepare?: boolean): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.seq;
    return new Promise<T[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      this.worker.postMessage(prepare ? { id, op, text, params, prepare } : { id, op, text, params });
    });
  }

  private async idle(): Promise<void> {
    while (this.activeTx) await this.activeTx.catch(() => {});
  }

  async query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    if (this.activeTx) await this.idle();
    return this.send<T>('query', text, params, options?.prepare);
  }

  async exec(text: string): Promise<void> {
    if (this.activeTx) await this.idle();
    await this.send('exec', text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    // Claimed at once (no await before), so statements issued after this call wait for it.
    const before = this.activeTx;
    const run = (async () => {
      if (before) await before.catch(() => {});
      await this.send('exec', 'BEGIN');
      try {
        const out = await fn(new WorkerTxSql(this));
        await this.send('exec', 'COMMIT');
        return out;
      } catch (e) {
        await this.send('exec', 'ROLLBACK').catch(() => {});
        throw e;
      }
    })();
    this.activeTx = run;
    try {
      return await run;
    } finally {
      if (this.activeTx === run) this.activeTx = undefined;
    }
  }

  async close(): Promise<void> {
    await this.idle();
    if (!this.failure) await this.send('close');
    await this.worker.terminate();
  }
}

class WorkerTxSql implements Sql {
  constructor(private readonly owner: WorkerSql) {}
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
    return this.owner.send<T>('query', text, params, options?.prepare);
  }
  async exec(text: string): Promise<void> {
    await this.owner.send('exec', text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close(): Promise<void> {}
}
