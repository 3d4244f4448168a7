// The checked-in .env.example is what the schemas generate (CI fails when it
// is stale: run `npm run env:example`), and every variable is documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_SECTIONS, envExampleText } from './env-example.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('.env.example', () => {
  it('is the one the configuration schemas generate (npm run env:example)', () => {
    const checkedIn = readFileSync(join(ROOT, '.env.example'), 'utf8');
    expect(checkedIn, '.env.example is stale: run `npm run env:example` and commit it').toBe(envExampleText());
  });

  it('lists only variables that docs/deployment.md documents', () => {
    const names = documentedNames(readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8'));
    const missing = ENV_SECTIONS.flatMap((s) => Object.keys(s.schema.properties)).filter((n) => !names.has(n));
    expect(missing).toEqual([]);
  });
});

/**
 * The variables the guide names in backticks, with its short forms expanded:
 * `PLATFORM_NODE_TLS_CERT`, `_KEY` (the suffix replaces as many trailing words)
 * and `PLATFORM_NODE_<OP>_ID` (each operator).
 */
function documentedNames(guide: string): Set<string> {
  const out = new Set<string>();
  let last = '';
  for (const [, token] of guide.matchAll(/`([A-Z_<>]+)(?:=[^`]*)?`/g)) {
    let name = token!;
    if (name.startsWith('_') && last) {
      const words = name.slice(1).split('_').length;
      name = `${last.split('_').slice(0, -words).join('_')}${name}`;
    } else last = name;
    for (const op of ['CMCC', 'CUCC', 'CTCC']) out.add(name.replace('<OP>', op));
  }
  return out;
}
