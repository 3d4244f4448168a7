// Where the demo keeps the health-code system between runs, as it keeps the world:
// its PGlite database and the secret that seals its signing keys, under the work
// directory, so a restart loses no holder, check-in or venue and posters printed
// before it still verify.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HealthCodeState {
  /** PGlite data directory. */
  dataDir: string;
  /** HC_KEY_SECRET of the demo: seals the Ed25519 private keys stored in the database. */
  keySecret: string;
}

export function healthCodeState(workDir: string): HealthCodeState {
  const dir = join(workDir, 'health-code');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'secrets.json');
  let keySecret: string | undefined;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { keySecret?: unknown };
    if (typeof saved.keySecret !== 'string' || saved.keySecret.length < 16) {
      throw new Error(`${file}: no usable keySecret (delete the directory ${dir} to start the health code afresh)`);
    }
    keySecret = saved.keySecret;
  } else {
    keySecret = randomBytes(24).toString('base64url');
    writeFileSync(file, `${JSON.stringify({ keySecret })}\n`, { mode: 0o600 });
  }
  return { dataDir: join(dir, 'pgdata'), keySecret };
}
