// Multi-page build of every browser page. Each group (card, health, ops) is a
// folder of src/ with its own HTML entries; all of them build into dist/ with
// shared hashed assets under dist/assets/, served by the apps at /assets/.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultClientConditions, defineConfig } from 'vite';

const root = resolve(import.meta.dirname, 'src');

function htmlEntries(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, htmlEntries(p));
    else if (name.endsWith('.html')) out[relative(root, p).replace(/\.html$/, '')] = p;
  }
  return out;
}

export default defineConfig({
  root,
  base: '/',
  // Our packages from their TypeScript sources (the `source` export condition), not their compiled dist/.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2019',
    // The only chunk over Vite's default 500 kB is the operations page's ECharts
    // (548 kB minified, 180 kB gzipped): a staff page on a desktop, loaded once and
    // cached. Phone pages are held to their own budget by scripts/bundle-size.ts
    // (the card: 60 KB gzipped), which a size warning here would only blur.
    chunkSizeWarningLimit: 640,
    rollupOptions: {
      input: htmlEntries(root),
      // The domain package is pure apart from registering its reference data:
      // a page gets a domain module (and its data) only if it uses an export of it.
      treeshake: { moduleSideEffects: (id) => !/[\\/]packages[\\/]domain[\\/]src[\\/]/.test(id) },
    },
  },
});
