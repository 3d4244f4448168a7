// Writes .br and .gz next to every built JS, CSS, SVG and WebAssembly asset, so a server that
// serves precompressed files (@fastify/static `preCompressed: true`) sends a
// slow phone the small version without compressing on each request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { webDistDir } from '../src/index.ts';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

let files = 0;
for (const file of walk(join(webDistDir, 'assets'))) {
  if (!/\.(js|css|svg|wasm)$/.test(file)) continue;
  const data = readFileSync(file);
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }),
  );
  files++;
}
console.log(`precompressed ${files} assets (.br, .gz)`);
