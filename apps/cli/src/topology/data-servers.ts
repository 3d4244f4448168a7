// PostgreSQL and Redis from Debian for the topology: in a temporary directory,
// on a port chosen once, and restartable on that port with their data (the
// fault test restarts both under load). Redis keeps an append-only file, as a
// production Redis holding sessions would, so a restart loses nothing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@itinerary-card/store/testing';

export interface DataServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** PID of the running server, undefined while stopped. */
  pid(): number | undefined;
  start(): Promise<void>;
  /** Graceful stop (PostgreSQL: fast shutdown; Redis: SHUTDOWN, which writes its files). */
  stop(): Promise<void>;
}

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

/** initdb refuses to run as root: then PostgreSQL runs as the `postgres` (or `nobody`) system user. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const f = passwd.find((l) => l.startsWith(`${name}:`))?.split(':');
    if (f) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
}

function waitExit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  child: () => ChildProcess | undefined,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = child();
    if (!c || c.exitCode !== null) throw new Error(`${what} exited: ${log()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A PostgreSQL 15 cluster in `dir` with the databases `platform` and `healthcode`. */
export async function createPostgres(dir: string): Promise<DataServer> {
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const user = unprivilegedUser();
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  if (user) {
    chmodSync(dir, 0o755);
    chownSync(dir, user.uid, user.gid);
  }
  execFileSync(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '-N'], {
    stdio: 'pipe',
    cwd: dir,
    ...asUser,
  });
  const port = await freePort();
  const base = `postgres://postgres@127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';
  const pg = (await import('pg')).default;
  const query = async (db: string, text: string) => {
    const client = new pg.Client({ connectionString: `${base}/${db}` });
    try {
      await client.connect();
      await client.query(text);
    } finally {
      await client.end().catch(() => {});
    }
  };
  const server: DataServer = {
    name: 'postgresql',
    url: base,
    port,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    async start() {
      const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
      // As the repository's test servers: no fsync (a temporary cluster), room for every replica's pool.
      for (const s of ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'])
        args.push('-c', s);
      child = spawn(pgBin('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...asUser });
      child.stderr?.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
      });
      await waitFor(
        'postgres',
        () => query('postgres', 'SELECT 1').then(() => true),
        () => child,
        () => log,
      );
    },
    async stop() {
      if (child) await waitExit(child, 'SIGINT');
      child = undefined;
    },
  };
  await server.start();
  await query('postgres', 'CREATE DATABASE platform');
  await query('postgres', 'CREATE DATABASE healthcode');
  return server;
}

/** A redis-server in `dir` with an append-only file (every write fsynced once a second, all of it on SHUTDOWN). */
export async function createRedis(dir: string): Promise<DataServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = '';
  const server: DataServer = {
    name: 'redis',
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    async start() {
      out = '';
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      await waitFor(
        'redis-server',
        async () => out.includes('Ready to accept connections'),
        () => child,
        () => out,
      );
    },
    async stop() {
      if (child) await waitExit(child, 'SIGTERM');
      child = undefined;
    },
  };
  await server.start();
  return server;
}
