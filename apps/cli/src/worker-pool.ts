// Several processes of one app on one port (node:cluster), so every core of a
// machine answers: the platform (PLATFORM_WORKERS) and the health-code system
// (HC_WORKERS) keep their state in Redis and PostgreSQL, so their processes are
// interchangeable; the primary only forks them, restarts one that dies, and
// stops them all on close.
import cluster, { type Worker } from 'node:cluster';

export interface PoolLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerPool {
  /** The address the workers share. */
  url: string;
  close(): Promise<void>;
}

/** A worker that dies this soon after it started is failing to start, not crashing. */
const STARTUP_MS = 30_000;
const RESTART_DELAY_MS = 1_000;

/**
 * In the primary process: forks `count` workers (running this same program,
 * which sees `cluster.isWorker`), resolves once all listen. A worker that
 * exits later is replaced; one that exits before listening fails the start.
 * `app` names the app in the log lines (`<app> listening`, `<app> worker died`).
 */
export function startWorkerPool(app: string, count: number, log: PoolLog, graceMs = 10_000): Promise<WorkerPool> {
  if (!cluster.isPrimary) throw new Error('startWorkerPool runs in the primary process');
  let closing = false;
  let address = '';
  const listening = new Set<number>();
  const started = new Map<number, number>();

  return new Promise<WorkerPool>((resolve, reject) => {
    const fork = (): Worker => {
      const w = cluster.fork();
      started.set(w.id, Date.now());
      return w;
    };
    cluster.on('listening', (w, a) => {
      if (!address) {
        const host = a.address && a.address !== '::' && a.address !== '0.0.0.0' ? a.address : '127.0.0.1';
        address = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
      }
      listening.add(w.id);
      if (listening.size === count) {
        log.info({ url: address, workers: count }, `${app} listening`);
        resolve({ url: address, close });
      }
    });
    cluster.on('exit', (w, code, signal) => {
      const wasListening = listening.delete(w.id);
      if (closing) return;
      const age = Date.now() - (started.get(w.id) ?? 0);
      if (!wasListening && age < STARTUP_MS) {
        log.error({ worker: w.id, code, signal }, `${app} worker failed to start`);
        closing = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        reject(new Error(`${app} worker exited with ${code ?? signal} while starting`));
        return;
      }
      log.error({ worker: w.id, code, signal }, `${app} worker died; starting another`);
      setTimeout(() => {
        if (!closing) fork();
      }, RESTART_DELAY_MS).unref();
    });
    for (let i = 0; i < count; i++) fork();
  });

  async function close(): Promise<void> {
    closing = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((done) => {
            if (w.isDead()) return done();
            const timer = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
            w.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            // Each worker shuts down gracefully on SIGTERM (the CLI's closeOnSignals).
            w.process.kill('SIGTERM');
          }),
      ),
    );
  }
}
