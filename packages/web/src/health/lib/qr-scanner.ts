// Reads QR codes in the browser: from the camera (getUserMedia, rear camera
// preferred) or from an uploaded picture. The decoder is the browser's own
// BarcodeDetector when it reads QR codes (Android's Chrome), else ZXing in
// WebAssembly (zxing-decoder.ts), loaded only when a scanner is first used.
import { h } from '../../shared/h.ts';

/** What the pages say when the decoder could not be loaded (the network, or a page older than the site). */
export const SCANNER_UNAVAILABLE_ZH = '扫码组件未能加载，请检查网络后重试';

/** The text of the first valid QR code in the picture, or null. */
export type DecodeImage = (img: ImageData) => Promise<string | null>;

/** The Shape Detection API's BarcodeDetector, as far as we use it (not in TypeScript's DOM types). */
interface NativeBarcodeDetector {
  new (o: { formats: string[] }): { detect(img: ImageData): Promise<Array<{ rawValue: string }>> };
  getSupportedFormats(): Promise<string[]>;
}

async function nativeDecoder(): Promise<DecodeImage | null> {
  const Native = (globalThis as { BarcodeDetector?: NativeBarcodeDetector }).BarcodeDetector;
  if (!Native) return null;
  try {
    if (!(await Native.getSupportedFormats()).includes('qr_code')) return null;
    const detector = new Native({ formats: ['qr_code'] });
    return async (img) => (await detector.detect(img))[0]?.rawValue ?? null;
  } catch {
    return null; // present but unusable (no detection backend): ZXing instead
  }
}

async function pickDecoder(): Promise<DecodeImage> {
  return (await nativeDecoder()) ?? (await import('./zxing-decoder.ts')).zxingDecoder();
}

let decoder: Promise<DecodeImage> | null = null;

/** The decoder, loaded once; a failed load is tried again by the next caller. */
function loadDecoder(): Promise<DecodeImage> {
  decoder ??= pickDecoder().catch((e) => {
    decoder = null;
    throw e;
  });
  return decoder;
}

/**
 * Loads the decoder now (a page whose purpose is scanning, to read codes later
 * without the network: the staff page verifies offline). Rejects when it cannot.
 */
export async function preloadDecoder(): Promise<void> {
  await loadDecoder();
}

/** Draws `source` scaled to at most 1200 px on its longer side and returns its pixels. */
function pixelsOf(canvas: HTMLCanvasElement, source: CanvasImageSource, w: number, hgt: number): ImageData {
  const scale = Math.min(1, 1200 / Math.max(w, hgt));
  const cw = Math.round(w * scale);
  const ch = Math.round(hgt * scale);
  canvas.width = cw;
  canvas.height = ch;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source, 0, 0, cw, ch);
  return ctx.getImageData(0, 0, cw, ch);
}

/**
 * The text of the QR code in a picture, or null when it has none. Rejects when
 * the decoder cannot be loaded (show SCANNER_UNAVAILABLE_ZH).
 */
export async function decodeFile(f: File): Promise<string | null> {
  const decode = loadDecoder();
  decode.catch(() => {}); // answered below, once the picture is read
  const bmp = await createImageBitmap(f).catch(() => null);
  if (!bmp) return null; // not a picture the browser can read
  try {
    return await (await decode)(pixelsOf(document.createElement('canvas'), bmp, bmp.width, bmp.height));
  } finally {
    bmp.close();
  }
}

/**
 * A camera view that calls `onText` with the first code it reads, then stops.
 * `onError('camera')`: no camera or permission refused; `onError('decoder')`:
 * the decoder could not be loaded (SCANNER_UNAVAILABLE_ZH).
 */
export function cameraScanner(
  id: string,
  onText: (text: string) => void,
  onError: (cause: 'camera' | 'decoder') => void,
) {
  const video = h('video', { id, class: 'hc-video', playsinline: true, muted: true, hidden: true });
  const canvas = document.createElement('canvas');
  let stream: MediaStream | null = null;
  const stop = () => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
    video.srcObject = null;
    video.hidden = true;
  };
  const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
  const start = async () => {
    // The decoder loads while the phone asks for the camera.
    const decoding = loadDecoder();
    decoding.catch(() => {}); // answered below, once the camera is open
    let mine: MediaStream;
    try {
      mine = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch {
      onError('camera');
      return;
    }
    stop(); // a scanner already running (start pressed again) gives way
    stream = mine;
    video.hidden = false;
    video.srcObject = mine;
    // Interrupted when start is pressed again meanwhile: that one scans.
    await video.play().catch((e) => {
      if (stream === mine) throw e;
    });
    if (stream !== mine) return;
    let decode: DecodeImage;
    try {
      decode = await decoding;
    } catch {
      if (stream === mine) stop();
      onError('decoder');
      return;
    }
    // One frame at a time: the next is taken once this one is decoded.
    while (stream === mine) {
      if (video.readyState >= 2 && video.videoWidth > 0) {
        let text: string | null;
        try {
          text = await decode(pixelsOf(canvas, video, video.videoWidth, video.videoHeight));
        } catch {
          if (stream === mine) stop();
          onError('decoder');
          return;
        }
        if (stream !== mine) return;
        if (text) {
          stop();
          onText(text);
          return;
        }
      }
      await nextFrame();
    }
  };
  return { video, start, stop };
}
