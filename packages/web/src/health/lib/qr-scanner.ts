// Reads QR codes in the browser with jsQR: from the camera (getUserMedia, rear
// camera preferred) or from an uploaded picture.
import jsQR from 'jsqr';
import { h } from '../../shared/h.ts';

function decodeFrom(source: CanvasImageSource, w: number, hgt: number): string | null {
  const scale = Math.min(1, 1200 / Math.max(w, hgt));
  const cw = Math.round(w * scale);
  const ch = Math.round(hgt * scale);
  const canvas = document.createElement('canvas');
  canvas.width = cw;
  canvas.height = ch;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source, 0, 0, cw, ch);
  const img = ctx.getImageData(0, 0, cw, ch);
  return jsQR(img.data, cw, ch, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

export async function decodeFile(f: File): Promise<string | null> {
  const bmp = await createImageBitmap(f);
  return decodeFrom(bmp, bmp.width, bmp.height);
}

/** A camera view that calls `onText` with the first code it reads, then stops. */
export function cameraScanner(id: string, onText: (text: string) => void, onError: () => void) {
  const video = h('video', { id, class: 'hc-video', playsinline: true, muted: true, hidden: true });
  let stream: MediaStream | null = null;
  const stop = () => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
    video.srcObject = null;
    video.hidden = true;
  };
  const start = async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch {
      onError();
      return;
    }
    video.hidden = false;
    video.srcObject = stream;
    await video.play();
    const loop = () => {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth > 0) {
        const text = decodeFrom(video, video.videoWidth, video.videoHeight);
        if (text) {
          stop();
          onText(text);
          return;
        }
      }
      requestAnimationFrame(loop);
    };
    loop();
  };
  return { video, start, stop };
}
