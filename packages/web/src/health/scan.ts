// 扫码打卡 inside the app: the holder scans a venue code or a checkpoint's
// verification code with the camera (or a picture) and lands on the check-in page.
import { h, replaceChildren } from '../shared/h.ts';
import { mount } from './lib/page.ts';
import { cameraScanner, decodeFile, SCANNER_UNAVAILABLE_ZH } from './lib/qr-scanner.ts';

const main = mount('扫码打卡');
const msg = h('p', { class: 'hc-error', role: 'alert', id: 'scan-error' });

function go(text: string): void {
  const m = /[?&#]c=(CT1\.[A-Za-z0-9_.-]+)/.exec(text);
  if (!m) {
    replaceChildren(msg, '这不是昌通码场所码或核验码，请扫描张贴的场所码');
    camera.start();
    return;
  }
  location.href = `checkin.html?c=${m[1]}`;
}

const camera = cameraScanner('scan-video', go, (cause) =>
  replaceChildren(msg, cause === 'camera' ? '无法打开摄像头，请允许使用摄像头或上传图片' : SCANNER_UNAVAILABLE_ZH),
);
const upload = h('input', { type: 'file', accept: 'image/*', id: 'scan-upload', class: 'hc-file' });
upload.addEventListener('change', async () => {
  const f = upload.files?.[0];
  if (!f) return;
  const text = await decodeFile(f).catch(() => undefined);
  upload.value = '';
  if (text === undefined) replaceChildren(msg, SCANNER_UNAVAILABLE_ZH);
  else if (text) go(text);
  else replaceChildren(msg, '图片中未识别到二维码，请重新拍摄');
});

replaceChildren(
  main,
  h(
    'section',
    { class: 'panel' },
    h('h2', { class: 'panel-title' }, '扫描场所码或卡口核验码'),
    camera.video,
    h(
      'div',
      { class: 'hc-row' },
      h(
        'button',
        { type: 'button', class: 'btn btn-primary', id: 'scan-camera', onclick: () => void camera.start() },
        '扫一扫',
      ),
      h('label', { class: 'btn', for: 'scan-upload' }, '从相册选择'),
      upload,
    ),
    msg,
  ),
);
void camera.start();
