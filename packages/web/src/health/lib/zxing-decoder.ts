// The QR decoder for browsers without a native BarcodeDetector: ZXing C++
// compiled to WebAssembly (zxing-wasm). Loaded only when a scanner opens (a
// dynamic import of this module); the .wasm file is one of our own built
// assets (/assets/zxing_reader-<hash>.wasm), never zxing-wasm's default CDN:
// the pages' CSP allows only our origin, and a phone on a site-only network
// reaches nothing else. Compiling it needs 'wasm-unsafe-eval' in the page's
// script-src, which only the pages that scan are sent (packages/ops).
import { prepareZXingModule, purgeZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import type { DecodeImage } from './qr-scanner.ts';

/** Fetches and compiles the WebAssembly module; rejects when it cannot be had (a later call tries again). */
export async function zxingDecoder(): Promise<DecodeImage> {
  try {
    await prepareZXingModule({
      overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
      fireImmediately: true,
    });
  } catch (e) {
    purgeZXingModule(); // its failed promise is cached: forget it, so the next scanner fetches again
    throw e;
  }
  return async (img) => {
    const found = await readBarcodes(img, { formats: ['QRCode'], maxNumberOfSymbols: 1 });
    return found.find((r) => r.isValid)?.text ?? null;
  };
}
