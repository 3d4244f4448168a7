// Prints the gzipped size of the JavaScript and CSS each built page loads, per
// page and per group, and of what pages load only on demand (the QR scanner's
// decoder and its WebAssembly); fails when the card page is over its budget (60 KB).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { webDistDir } from '../src/index.ts';

const BUDGET_BYTES: Record<string, number> = { 'card/index': 60 * 1024 };

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'assets') out.push(...htmlFiles(p));
    } else if (name.endsWith('.html')) out.push(p);
  }
  return out.sort();
}

/** The same-origin scripts, module preloads and stylesheets an HTML page loads. */
function assetsOf(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g))
    out.add(m[1]!);
  return [...out];
}

const gzCache = new Map<string, number>();
function gzipBytes(asset: string): number {
  let n = gzCache.get(asset);
  if (n === undefined) {
    n = gzipSync(readFileSync(join(webDistDir, asset)), { level: 9 }).length;
    gzCache.set(asset, n);
  }
  return n;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let failed = false;
const groups = new Map<string, Set<string>>();
console.log('gzipped JS+CSS per page:');
for (const file of htmlFiles(webDistDir)) {
  const page = relative(webDistDir, file)
    .replace(/\.html$/, '')
    .replaceAll('\\', '/');
  const assets = assetsOf(readFileSync(file, 'utf8'));
  const total = assets.reduce((s, a) => s + gzipBytes(a), 0);
  const group = page.split('/')[0]!;
  const set = groups.get(group) ?? new Set<string>();
  for (const a of assets) set.add(a);
  groups.set(group, set);
  const budget = BUDGET_BYTES[page];
  const over = budget !== undefined && total > budget;
  failed ||= over;
  const note = budget === undefined ? '' : over ? `  OVER the ${kb(budget)} budget` : `  (budget ${kb(budget)})`;
  console.log(`  ${page.padEnd(24)} ${kb(total).padStart(9)}${note}`);
}
console.log('gzipped JS+CSS per group (all its pages together):');
for (const [group, set] of groups) {
  console.log(`  ${group.padEnd(24)} ${kb([...set].reduce((s, a) => s + gzipBytes(a), 0)).padStart(9)}`);
}
// Dynamic imports and their WebAssembly: fetched only when a page asks (a scanner opens).
const eager = new Set([...groups.values()].flatMap((set) => [...set]));
const lazy = readdirSync(join(webDistDir, 'assets'))
  .filter((name) => /\.(js|css|wasm)$/.test(name) && !eager.has(`/assets/${name}`))
  .sort();
console.log('gzipped, loaded on demand only:');
for (const name of lazy) console.log(`  ${name.padEnd(36)} ${kb(gzipBytes(`/assets/${name}`)).padStart(9)}`);
if (failed) {
  console.error('bundle-size: a page is over its budget');
  process.exit(1);
}
