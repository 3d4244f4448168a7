// Writes .br and .gz next to every built JS, CSS, SVG and WebAssembly asset, so a server that
// serves precompressed files (@fastify/static `preCompressed: true`) sends a
// slow phone the small version without compressing on each request.
// Brotli at quality 11 takes seconds on the decoder's .wasm (about 3.4 s of CPU), which is
// the same bytes in every build: each compressed file is kept in a cache named by the
// SHA-256 of what it compresses (node_modules/.cache), so a rebuild (every `npm start`)
// compresses only what changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { webDistDir } from '../src/index.ts';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/**
 * The compressed bytes from the cache if they decompress to `sha` (a damaged entry is made
 * again), or made by `make` and kept there (written whole, then renamed).
 */
function compressed(
  cacheDir: string,
  key: string,
  sha: string,
  unzip: (b: Buffer) => Buffer,
  make: () => Buffer,
): { bytes: Buffer; hit: boolean } {
  const path = join(cacheDir, key);
  try {
    const hit = readFileSync(path);
    if (createHash('sha256').update(unzip(hit)).digest('hex') !== sha) throw new Error('damaged');
    return { bytes: hit, hit: true };
  } catch {
    const data = make();
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return { bytes: data, hit: false };
  }
}

/** Writes `.gz` and `.br` beside each asset under `assetsDir`; how many assets, and how many of their files came from the cache. */
export function precompressAssets(assetsDir: string, cacheDir: string): { files: number; cached: number } {
  let files = 0;
  let cached = 0;
  for (const file of walk(assetsDir)) {
    if (!/\.(js|css|svg|wasm)$/.test(file)) continue;
    const data = readFileSync(file);
    const sha = createHash('sha256').update(data).digest('hex');
    const gz = compressed(cacheDir, `${sha}.gz9`, sha, gunzipSync, () => gzipSync(data, { level: 9 }));
    const br = compressed(cacheDir, `${sha}.br11`, sha, brotliDecompressSync, () =>
      brotliCompressSync(data, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      }),
    );
    writeFileSync(`${file}.gz`, gz.bytes);
    writeFileSync(`${file}.br`, br.bytes);
    cached += Number(gz.hit) + Number(br.hit);
    files++;
  }
  return { files, cached };
}

if (import.meta.filename === process.argv[1]) {
  const root = join(webDistDir, '..', '..', '..');
  const { files, cached } = precompressAssets(
    join(webDistDir, 'assets'),
    join(root, 'node_modules', '.cache', 'itinerary-card-precompress'),
  );
  console.log(`precompressed ${files} assets (.br, .gz; ${cached} of ${2 * files} from the cache)`);
}
