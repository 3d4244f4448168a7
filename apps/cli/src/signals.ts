// Graceful shutdown of the processes the CLI runs (serve, demo). Loaded with the
// command, so it is installed the moment a service listens: had it to wait for
// a module to load, a SIGTERM in between would kill the process uncleanly.

/**
 * Graceful shutdown: on SIGTERM or SIGINT stop accepting connections, let
 * requests in flight finish (Fastify's close), flush and close storage via
 * `close`, then exit; a second signal or `graceMs` exits at once.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  log: { info(o: object, m: string): void; error(o: object, m: string): void },
  graceMs = 10_000,
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
