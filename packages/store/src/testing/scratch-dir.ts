// Where throw-away servers keep their files: memory-backed /dev/shm when the
// machine has it (no disk writes, no file-system work for the kernel to do in
// the middle of a measurement), the system's temporary directory otherwise.
// `onDisk`: the system's temporary directory always, for a server whose
// fsyncs must reach a disk (a benchmark of production settings).
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function base(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

export function scratchDir(prefix: string, onDisk = false): string {
  return mkdtempSync(join(onDisk ? tmpdir() : base(), prefix));
}
