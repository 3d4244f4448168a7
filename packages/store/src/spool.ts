// A local, append-only spool for records that must not be lost while their
// database is down (audit entries, check-ins): appended as JSON lines and
// fsynced before the caller is told "kept", then delivered in order once the
// database answers again. Each record carries its own idempotency key, so a
// delivery repeated after a crash or a lost reply never stores it twice.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { type FileHandle, open, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@itinerary-card/domain';

export interface SpoolOptions<T> {
  /** A directory on local disk, kept across restarts; created when missing. */
  dir: string;
  /** The kind of record (file names start with it): one spool per kind and directory. */
  name: string;
  /** Bound on the bytes waiting; an append beyond it fails with STORAGE_UNAVAILABLE. */
  maxBytes: number;
  /**
   * Stores records in the database, in the order given; must be idempotent (the
   * records' keys) and throw while the database cannot take them.
   */
  deliver(records: T[]): Promise<void>;
  /** How often delivery is retried while records wait (default 1 s). */
  retryMs?: number;
  /** Records per `deliver` call (default 1000). */
  chunk?: number;
  now?: () => number;
  log?: { warn(obj: object, msg: string): void };
  /** How many entries a record holds, for `count` (default 1; an audit segment holds many). */
  entries?: (record: T) => number;
}

interface SpoolFile {
  path: string;
  count: number;
  bytes: number;
  /** When its first record was spooled (epoch ms). */
  oldestAt: number;
}

/**
 * Spool files: `<name>-<pid>-<seq>-<uuid>.jsonl`; the pid tells whether its
 * writer is still alive. Read after the known `<name>-` prefix: a UUID's groups
 * can be all digits, so a pattern that guessed where the name ends could take
 * part of the UUID for the pid and skip the file.
 */
const FILE_TAIL = /^(\d+)-\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl$/;

export class Spool<T> {
  /** Files waiting, oldest first; the last may be `active` (still appended to). */
  private readonly files: SpoolFile[] = [];
  private active: { file: SpoolFile; fd: FileHandle } | undefined;
  private seq = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private delivering: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  private constructor(private readonly o: SpoolOptions<T>) {
    this.now = o.now ?? Date.now;
  }

  /** Opens the spool and takes over what writers no longer running left in the directory. */
  static async open<T>(o: SpoolOptions<T>): Promise<Spool<T>> {
    mkdirSync(o.dir, { recursive: true });
    const spool = new Spool(o);
    // At the start, files under this process's own pid are a former run's (a container's pid is the same each time).
    await spool.adoptOrphans(true);
    spool.timer = setInterval(() => void spool.tick(), o.retryMs ?? 1000);
    spool.timer.unref();
    if (spool.count > 0) void spool.deliver();
    return spool;
  }

  private weigh(records: readonly T[]): number {
    const w = this.o.entries;
    if (!w) return records.length;
    let n = 0;
    for (const r of records) n += w(r);
    return n;
  }

  /** Entries waiting (records, or what `entries` counts in them). */
  get count(): number {
    let n = 0;
    for (const f of this.files) n += f.count;
    return n;
  }

  /** Bytes waiting on disk. */
  get bytes(): number {
    let n = 0;
    for (const f of this.files) n += f.bytes;
    return n;
  }

  /** When the oldest waiting record was spooled; undefined when none waits. */
  oldestAt(): number | undefined {
    return this.files.find((f) => f.count > 0)?.oldestAt;
  }

  /** True when an append of `bytes` more would exceed the bound. */
  full(bytes = 0): boolean {
    return this.bytes + bytes > this.o.maxBytes;
  }

  /**
   * Appends records and fsyncs them; resolves once they are on disk. Fails with
   * STORAGE_UNAVAILABLE (nothing written) when they would exceed the bound.
   */
  append(records: readonly T[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const size = Buffer.byteLength(text);
    const run = this.writing.then(async () => {
      if (this.closed) throw new AppError('STORAGE_UNAVAILABLE', {}, { cause: new Error('spool closed') });
      if (this.full(size))
        throw new AppError('STORAGE_UNAVAILABLE', {}, { cause: new Error(`spool ${this.o.name} is full`) });
      if (!this.active) {
        const path = join(this.o.dir, `${this.o.name}-${process.pid}-${this.seq++}-${randomUUID()}.jsonl`);
        const fd = await open(path, 'a');
        const file = { path, count: 0, bytes: 0, oldestAt: this.now() };
        this.active = { file, fd };
        this.files.push(file);
      }
      const { file, fd } = this.active;
      await fd.appendFile(text);
      await fd.datasync();
      if (file.count === 0) file.oldestAt = this.now();
      file.count += this.weigh(records);
      file.bytes += size;
    });
    this.writing = run.catch(() => {});
    return run;
  }

  private async tick(): Promise<void> {
    // A writer that died meanwhile (a worker of the same host) leaves its files to the others.
    if (!this.delivering) await this.adoptOrphans(false).catch(() => {});
    await this.deliver();
  }

  /**
   * Delivers everything waiting, oldest first; true when nothing is left. Stops
   * at the first failure (the database is still down) and tries again later.
   */
  deliver(): Promise<boolean> {
    if (this.delivering) return this.delivering;
    if (this.files.length === 0) return Promise.resolve(true);
    this.delivering = this.deliverAll().finally(() => {
      this.delivering = undefined;
    });
    return this.delivering;
  }

  private async deliverAll(): Promise<boolean> {
    // What is appended from now on goes to a new file, after the ones delivered here.
    await this.seal();
    const chunk = this.o.chunk ?? 1000;
    while (this.files.length > 0 && this.files[0] !== this.active?.file) {
      const file = this.files[0]!;
      const records = parseLines<T>(await readFile(file.path, 'utf8'), (line) =>
        this.o.log?.warn({ file: file.path, line }, 'spool: unreadable line skipped (a write cut short)'),
      );
      try {
        for (let i = 0; i < records.length; i += chunk) await this.o.deliver(records.slice(i, i + chunk));
      } catch {
        return false;
      }
      await unlink(file.path);
      this.files.shift();
    }
    return this.files.length === 0;
  }

  /** Closes the file being appended to, so delivery can take it. */
  private seal(): Promise<void> {
    const run = this.writing.then(async () => {
      const a = this.active;
      if (!a) return;
      this.active = undefined;
      await a.fd.close();
      if (a.file.count === 0) {
        this.files.splice(this.files.indexOf(a.file), 1);
        await unlink(a.file.path).catch(() => {});
      }
    });
    this.writing = run.catch(() => {});
    return run;
  }

  /** Takes over the files of writers that are gone (a crash, a clean stop with the database down). */
  private async adoptOrphans(atStart: boolean): Promise<void> {
    const found: SpoolFile[] = [];
    for (const name of readdirSync(this.o.dir).sort()) {
      if (!name.startsWith(`${this.o.name}-`)) continue;
      const m = FILE_TAIL.exec(name.slice(this.o.name.length + 1));
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid ? !atStart : alive(pid)) continue;
      const path = join(this.o.dir, `${this.o.name}-${process.pid}-${this.seq++}-${randomUUID()}.jsonl`);
      try {
        // A rename is atomic: of two processes adopting at once, one gets the file.
        renameSync(join(this.o.dir, name), path);
      } catch {
        continue;
      }
      const text = await readFile(path, 'utf8');
      const records = parseLines<T>(text, () => {});
      const st = statSync(path);
      const oldestAt = Math.min(st.birthtimeMs || st.mtimeMs, st.mtimeMs);
      found.push({ path, count: this.weigh(records), bytes: Buffer.byteLength(text), oldestAt });
    }
    this.files.unshift(...found);
  }

  /**
   * Stops retrying: one last delivery, then whatever could not be delivered
   * stays on disk for the next start (or another process) to deliver.
   */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.writing;
    await this.deliver();
    this.closed = true;
    await this.seal();
  }
}

function parseLines<T>(text: string, onBad: (line: string) => void): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      onBad(line.slice(0, 80));
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The spool folder of an app when none is configured: under the system's
 * temporary directory, one per database URL (a spool belongs to its database).
 */
export function defaultSpoolDir(app: string, databaseUrl: string): string {
  const id = createHash('sha256').update(databaseUrl).digest('hex').slice(0, 12);
  return join(tmpdir(), 'itinerary-card-spool', `${app}-${id}`);
}
