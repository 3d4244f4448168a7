// Starts a PostgreSQL server for tests and the loopback topology: initdb into a
// temp dir (or the caller's) and postgres on a free 127.0.0.1 port. initdb
// refuses to run as root, so as root the server runs as the `postgres` system
// user (Debian's postgresql package creates it), falling back to `nobody`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { scratchDir } from './scratch-dir.ts';

export interface TestServer {
  url: string;
  stop(): Promise<void>;
  /** Stops the server and keeps its data (a fault: an outage). */
  down(): Promise<void>;
  /** Starts it again on the same port after `down`; resolves once it answers. */
  up(): Promise<void>;
  /** The server's process id (PostgreSQL's postmaster; its backends are its children), for CPU accounting. */
  pid(): number | undefined;
}

/** initdb/postgres from /usr/lib/postgresql/<newest>/bin, else from PATH. */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', name)))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin', name);
  }
  return name;
}

function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const row = passwd.find((l) => l.startsWith(`${name}:`));
    if (row) {
      const f = row.split(':');
      return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

export interface StartPostgresOptions {
  /**
   * Production's durability: the data directory on disk (not /dev/shm), fsync,
   * synchronous_commit and full_page_writes on, so a commit returns once its WAL
   * is on disk. Tests leave them off (the default): they measure nothing, and a
   * commit then costs no disk flush.
   */
  durable?: boolean;
  /**
   * The server's directory (created if missing) instead of a new scratch one;
   * `stop` then leaves it in place, the caller's to keep or remove (the
   * topology's work directory, kept with `--keep`). As root, the server's
   * user must be able to reach it: its parents searchable by all.
   */
  dir?: string;
  /** Sessions the server takes (default 50; the topology's replicas' pools need more). */
  maxConnections?: number;
  /** Databases to create besides `postgres`; each answers at `new URL(name, url)`. */
  databases?: readonly string[];
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestServer> {
  const durable = options.durable === true;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? scratchDir('itc-pg-', durable);
  if (!ownDir) mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  const user = unprivilegedUser();
  if (user) {
    chmodSync(dir, 0o755);
    chownTree(dir, user.uid, user.gid);
  }
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  try {
    execFileSync(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '-N'], {
      stdio: 'pipe',
      cwd: dir,
      ...asUser,
    });
  } catch (e) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer };
    throw new Error(`initdb failed: ${err.stderr?.toString() ?? String(e)}`);
  }
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  const durability = durable
    ? ['fsync=on', 'synchronous_commit=on', 'full_page_writes=on']
    : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
  for (const s of [...durability, `max_connections=${options.maxConnections ?? 50}`]) {
    args.push('-c', s);
  }
  let stderr = '';
  const run = () => {
    const c = spawn(pgBin('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...asUser });
    c.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    return c;
  };
  let child = run();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    await killAndWait(child, 'SIGINT');
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPostgres(url, child, () => stderr);
    for (const db of options.databases ?? []) await query(url, `CREATE DATABASE "${db}"`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    stop,
    // SIGINT: PostgreSQL's fast shutdown, ending every session (as a restart does).
    down: () => killAndWait(child, 'SIGINT'),
    up: async () => {
      child = run();
      await waitForPostgres(url, child, () => stderr);
    },
    pid: () => child.pid,
  };
}

async function query(url: string, text: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(text);
  } finally {
    await client.end().catch(() => {});
  }
}

async function waitForPostgres(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log()}`);
    try {
      await query(url, 'SELECT 1');
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
