// Staff verification (核验): scan a person's code with the camera or from an
// uploaded picture; the signature is checked here, offline, against the city's
// published keys. Staff see only the colour, the masked name and freshness.
import { VENUE_KIND_ZH } from '@itinerary-card/domain';
import { beijingParts } from '../shared/beijing-clock.ts';
import { h, replaceChildren } from '../shared/h.ts';
import { cachedKeys, type KeySet, loadKeys, type Verified, verifyCode } from './lib/code-verifier.ts';
import { COLOUR_ZH, hcConfig, UNVERIFIED_ZH } from './lib/hc-api.ts';
import { mount } from './lib/page.ts';
import { cameraScanner, decodeFile, preloadDecoder, SCANNER_UNAVAILABLE_ZH } from './lib/qr-scanner.ts';

const REJECT: Record<string, string> = {
  malformed: '不是有效的昌通码',
  unknown_key: '核验失败：签发密钥未知，可能是伪造的码',
  signature: '核验失败：签名不符，是伪造或被篡改的码',
  expired: '核验失败：二维码已过期（可能是截图），请对方出示实时刷新的昌通码',
  not_yet_valid: '核验失败：签发时间晚于当前时间，请核对本机时间',
  unsupported: '本浏览器不支持Ed25519签名校验，请升级浏览器',
};

const main = mount('昌通码核验');
const result = h(
  'section',
  { class: 'panel hc-result', id: 'verify-result', 'aria-live': 'assertive' },
  h('p', { class: 'hc-muted' }, '请扫描或上传对方的昌通码'),
);
const keyStatus = h('p', { class: 'hc-muted', id: 'key-status' });
let keys: KeySet | null = cachedKeys();
let jwksUrl = '/.well-known/health-code-keys.json';

function hhmmss(sec: number): string {
  return beijingParts(sec * 1000).time;
}

function show(v: Verified): void {
  if (!v.ok) {
    replaceChildren(
      result,
      h(
        'div',
        { class: 'hc-reject', id: 'verify-reject', 'data-reason': v.reason },
        h('p', { class: 'hc-reject-title' }, '✗ 无效'),
        h('p', {}, REJECT[v.reason]),
      ),
    );
    return;
  }
  if (v.type === 'venue') {
    replaceChildren(
      result,
      h(
        'div',
        { class: 'hc-venue-ok', id: 'verify-venue' },
        h('p', {}, `场所码（${VENUE_KIND_ZH[v.kind]}）`),
        h('p', { class: 'hc-big' }, v.name),
        h('p', { class: 'hc-muted' }, `编号 ${v.id}，签名有效`),
      ),
    );
    return;
  }
  const age = Math.max(0, Math.round(Date.now() / 1000 - v.iat));
  replaceChildren(
    result,
    h(
      'div',
      { class: `hc-verdict hc-${v.colour}`, id: 'verify-ok', 'data-colour': v.colour },
      h('p', { class: 'hc-big', id: 'verify-colour' }, COLOUR_ZH[v.colour]),
      h('p', { class: 'hc-big', id: 'verify-name' }, v.maskedName),
      h('p', { id: 'verify-fresh' }, `签名有效 · 实时码：${hhmmss(v.iat)} 签发（${age}秒前），${hhmmss(v.exp)} 前有效`),
      v.itineraryVerified === false
        ? h('p', { class: 'hc-unverified', id: 'verify-unverified' }, UNVERIFIED_ZH)
        : v.itineraryVerified
          ? h('p', { id: 'verify-itinerary' }, '行程已核验（本人授权查询通信行程）')
          : null,
    ),
  );
}

async function check(text: string): Promise<void> {
  keys = (await loadKeys(jwksUrl)) ?? keys;
  if (!keys) {
    replaceChildren(result, h('p', { class: 'hc-error' }, '尚未下载本市公钥，请联网后重试'));
    return;
  }
  let v = await verifyCode(text, keys, Date.now());
  if (!v.ok && v.reason === 'unknown_key') {
    // A key published after our download: refresh once (when online).
    const fresh = await loadKeys(jwksUrl, true);
    if (fresh) {
      keys = fresh;
      v = await verifyCode(text, keys, Date.now());
    }
  }
  if (!v.ok && v.reason === 'unsupported') v = await verifyOnServer(text);
  show(v);
}

/** For browsers without WebCrypto Ed25519: the same checks by the server (needs the network). */
async function verifyOnServer(text: string): Promise<Verified> {
  try {
    const res = await fetch('/api/hc/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: text }),
    });
    const b = await res.json();
    if (res.ok && b.type === 'person')
      return {
        ok: true,
        type: 'person',
        colour: b.colour,
        maskedName: b.maskedName,
        ...(typeof b.itineraryVerified === 'boolean' ? { itineraryVerified: b.itineraryVerified } : {}),
        iat: b.issuedAt / 1000,
        exp: b.expiresAt / 1000,
        kid: '',
      };
    if (res.ok && b.type === 'venue')
      return { ok: true, type: 'venue', kind: b.venueKind, name: b.name, id: b.venueId, iat: 0, kid: '' };
    const reason = b.error?.reason;
    return {
      ok: false,
      reason:
        reason === 'expired' || reason === 'malformed' || reason === 'unknown_key' || reason === 'not_yet_valid'
          ? reason
          : 'signature',
    };
  } catch {
    return { ok: false, reason: 'unsupported' };
  }
}

const upload = h('input', { type: 'file', accept: 'image/*', id: 'verify-upload', class: 'hc-file' });
upload.addEventListener('change', async () => {
  const f = upload.files?.[0];
  if (!f) return;
  const text = await decodeFile(f).catch(() => undefined);
  upload.value = '';
  if (text === undefined) replaceChildren(result, h('p', { class: 'hc-error' }, SCANNER_UNAVAILABLE_ZH));
  else if (!text)
    replaceChildren(result, h('p', { class: 'hc-error', id: 'verify-noqr' }, '图片中未识别到二维码，请重新拍摄'));
  else await check(text);
});

const camera = cameraScanner(
  'verify-video',
  (text) => void check(text),
  (cause) =>
    replaceChildren(
      result,
      h(
        'p',
        { class: 'hc-error' },
        cause === 'camera' ? '无法打开摄像头，请允许使用摄像头或上传图片核验' : SCANNER_UNAVAILABLE_ZH,
      ),
    ),
);
const video = camera.video;
const startCamera = camera.start;

replaceChildren(
  main,
  h(
    'section',
    { class: 'panel' },
    h('h2', { class: 'panel-title' }, '扫描对方的昌通码'),
    video,
    h(
      'div',
      { class: 'hc-row' },
      h(
        'button',
        { type: 'button', class: 'btn btn-primary', id: 'verify-camera', onclick: () => void startCamera() },
        '扫一扫（摄像头）',
      ),
      h('label', { class: 'btn', for: 'verify-upload' }, '上传图片'),
      upload,
    ),
    keyStatus,
  ),
  result,
);

void (async () => {
  // Verifying offline needs the keys and the decoder: both are fetched now, while the phone is online.
  const decoderReady = preloadDecoder().then(
    () => true,
    () => false,
  );
  const cfg = await hcConfig().catch(() => null);
  if (cfg) jwksUrl = cfg.jwksUrl;
  keys = (await loadKeys(jwksUrl)) ?? keys;
  const scanner = await decoderReady;
  keyStatus.textContent = !keys
    ? '未能下载本市公钥，请联网后重试'
    : scanner
      ? `已下载本市公钥 ${keys.keys.length} 个（${beijingParts(keys.fetchedAt).time}），可离线核验`
      : SCANNER_UNAVAILABLE_ZH;
})();
