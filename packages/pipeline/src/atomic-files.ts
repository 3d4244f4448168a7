// Crash-safe writes: everything is written under a temporary name and renamed
// into place, so a run killed halfway leaves the previous files untouched.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeFileAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Builds a directory under a temporary name, then swaps it in as `path`. */
export function replaceDirAtomic(path: string, build: (tmpDir: string) => void): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    const old = `${path}.old-${process.pid}-${Date.now()}`;
    if (existsSync(path)) renameSync(path, old);
    renameSync(tmp, path);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Removes what killed runs left behind (*.tmp-*, *.old-*) in a directory. */
export function sweepLeftovers(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/\.(tmp|old)-\d+-\d+$/.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
