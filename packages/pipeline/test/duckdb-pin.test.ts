// DuckDB's packages are pinned to one exact version: the signaling scan reads the
// bindings' Result behind node-api's back (read/duckdb-result.ts), which a minor
// update of either may change, and two copies of the engine must not be loaded.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');
type Manifest = { name: string; version: string; dependencies?: Record<string, string> };
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Manifest;

describe('the DuckDB packages', () => {
  it('are declared at one exact version everywhere, the one installed', () => {
    const specs: string[] = [];
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(repo, group))) {
        const deps = json(join(repo, group, name, 'package.json')).dependencies ?? {};
        for (const [dep, spec] of Object.entries(deps)) if (dep.startsWith('@duckdb/')) specs.push(`${dep}@${spec}`);
      }
    }
    expect(specs.length).toBeGreaterThan(0);
    const versions = new Set(specs.map((s) => s.slice(s.lastIndexOf('@') + 1)));
    expect([...versions], specs.join(' ')).toHaveLength(1);
    const [version] = versions;
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);

    const require = createRequire(join(repo, 'packages', 'pipeline', 'package.json'));
    const api = json(require.resolve('@duckdb/node-api/package.json'));
    const bindings = json(require.resolve('@duckdb/node-bindings/package.json'));
    expect([api.version, bindings.version, api.dependencies?.['@duckdb/node-bindings']]).toEqual([
      version,
      version,
      version,
    ]);
  });
});
