// Crash-safe writes: everything is written under a temporary name and renamed
// into place, so a run killed halfway leaves the previous files untouched, and
// what a kill between two renames leaves is put right by the next run.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A test hook: the process kills itself (SIGKILL, nothing cleaned up) when it
 * reaches the step named in `crashAt`, so a test can check that the next pass
 * recovers from a kill at every step.
 */
export function crashPoint(crashAt: string | undefined, step: string): void {
  if (crashAt === step) process.kill(process.pid, 'SIGKILL');
}

export function writeFileAtomic(path: string, data: string | Buffer, onWritten?: () => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data);
  onWritten?.();
  renameSync(tmp, path);
}

/**
 * Builds a directory under a temporary name, then swaps it in as `path`
 * (`onSwap` runs between the two renames: a test hook).
 */
export function replaceDirAtomic(path: string, build: (tmpDir: string) => void, onSwap?: () => void): void {
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = `${path}.tmp-${stamp}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    // Same stamp as the temporary directory: a kill before the second rename is undone by recoverLeftovers.
    const old = `${path}.old-${stamp}`;
    if (existsSync(path)) {
      renameSync(path, old);
      onSwap?.();
    }
    renameSync(tmp, path);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

const LEFTOVER = /^(.*)\.(tmp|old)-(\d+-\d+)$/;

/**
 * Puts right what killed runs left in a directory: a swap killed between its
 * two renames (`X.old-S` there, `X` not) is finished with its complete
 * `X.tmp-S` (the old one moved away only once the new one was built); every
 * other leftover (a half-built `*.tmp-*`, a moved-away `*.old-*`) is removed.
 * Returns the names put back.
 */
export function recoverLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const restored: string[] = [];
  const names = readdirSync(dir);
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (m === null) continue;
    if (m[2] !== 'old' || existsSync(join(dir, m[1]!))) continue;
    const tmp = `${m[1]}.tmp-${m[3]}`;
    renameSync(join(dir, names.includes(tmp) ? tmp : name), join(dir, m[1]!));
    restored.push(m[1]!);
  }
  for (const name of readdirSync(dir)) {
    if (LEFTOVER.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  return restored;
}

/** Whether a process of that id is running (one that exists but is not ours to signal counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock (`<dir>/.lock`, holding this process's id):
 * one pass at a time, as a pass sweeps what others would be building. A lock
 * left by a process that is gone (killed) is taken over. Returns the release,
 * or undefined while another live process holds it.
 */
export function lockDir(dir: string): (() => void) | undefined {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path, 'utf8'));
      } catch {
        // removed in between: try again
      }
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) return undefined;
      rmSync(path, { force: true });
    }
  }
  return undefined;
}
