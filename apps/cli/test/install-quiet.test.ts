// `npm install` on a fresh clone is quiet and leaves package-lock.json as it is:
// every dependency with an install script is decided in package.json's
// allowScripts (npm 11 lists undecided ones as a notice that reads like a
// failure), and the lock already records which workspace packages have one
// (npm adds `hasInstallScript` to the lock otherwise, changing the committed file).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const json = (p: string) => JSON.parse(readFileSync(join(repo, p), 'utf8'));
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

describe('npm install on a fresh clone', () => {
  const lock = json('package-lock.json') as {
    packages: Record<string, { hasInstallScript?: boolean; link?: boolean; name?: string }>;
  };
  const root = json('package.json') as { allowScripts?: Record<string, boolean> };

  it('has every dependency with an install script allowed or denied in allowScripts', () => {
    const undecided = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.hasInstallScript && !p.link)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .filter((name) => !(name in (root.allowScripts ?? {})));
    expect(undecided).toEqual([]);
  });

  it('records in the lock which workspace packages have an install script', () => {
    const wrong = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !path.startsWith('node_modules/') && !p.link)
      .filter(([path, p]) => {
        const scripts = (json(join(path, 'package.json')) as { scripts?: Record<string, string> }).scripts ?? {};
        return INSTALL_SCRIPTS.some((s) => s in scripts) !== (p.hasInstallScript === true);
      })
      .map(([path]) => path);
    expect(wrong).toEqual([]);
  });
});
