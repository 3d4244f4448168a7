// The build's precompression: every asset's .gz and .br decompress to the asset;
// a rebuild takes unchanged assets' compressed files from the cache (named by
// the SHA-256 of what they compress), a changed asset is compressed afresh, and
// a damaged cache entry is made again rather than served.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { precompressAssets } from '../scripts/precompress.ts';

const root = mkdtempSync(join(tmpdir(), 'precompress-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const assets = join(root, 'assets');
const cache = join(root, 'cache');

function expectRoundTrips(): void {
  for (const name of ['app.js', 'page.css', 'decoder.wasm']) {
    const original = readFileSync(join(assets, name));
    expect(gunzipSync(readFileSync(join(assets, `${name}.gz`)))).toEqual(original);
    expect(brotliDecompressSync(readFileSync(join(assets, `${name}.br`)))).toEqual(original);
  }
}

describe('precompressAssets', () => {
  it('compresses once, takes unchanged assets from the cache, redoes changed or damaged ones', () => {
    mkdirSync(assets, { recursive: true });
    writeFileSync(join(assets, 'app.js'), 'console.log("昌通码");\n'.repeat(200));
    writeFileSync(join(assets, 'page.css'), 'body{margin:0}\n'.repeat(100));
    writeFileSync(join(assets, 'decoder.wasm'), Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7) % 251)));
    writeFileSync(join(assets, 'index.html'), '<!doctype html>'); // not compressed

    expect(precompressAssets(assets, cache)).toEqual({ files: 3, cached: 0 });
    expectRoundTrips();
    expect(readdirSync(assets).filter((f) => f.startsWith('index.html'))).toEqual(['index.html']);

    expect(precompressAssets(assets, cache)).toEqual({ files: 3, cached: 6 });
    expectRoundTrips();

    writeFileSync(join(assets, 'app.js'), 'console.log("changed");\n');
    expect(precompressAssets(assets, cache)).toEqual({ files: 3, cached: 4 });
    expectRoundTrips();

    for (const entry of readdirSync(cache)) writeFileSync(join(cache, entry), 'damaged');
    expect(precompressAssets(assets, cache)).toEqual({ files: 3, cached: 0 });
    expectRoundTrips();
  });
});
