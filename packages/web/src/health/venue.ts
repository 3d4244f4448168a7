// Venue registration (单位码, 小区码, 车辆码, 昌通核验码): a unit registers and gets
// its signed venue code as printable posters (PNG and PDF).
import { h, replaceChildren } from '../shared/h.ts';
import { type ApiError, getToken, hcFetch, hcJson } from './lib/hc-api.ts';
import { loginBox } from './lib/login-box.ts';
import { mount } from './lib/page.ts';

interface Venue {
  id: string;
  kind: 'unit' | 'community' | 'vehicle' | 'checkpoint';
  name: string;
  address: string;
  checkinUrl: string;
  /** The printed poster carries a withdrawn code (its signing key was revoked). */
  reprintRequired?: boolean;
}

const KIND_ZH = { unit: '单位码', community: '小区码', vehicle: '车辆码', checkpoint: '昌通核验码（卡口）' } as const;
const main = mount('场所码申领');

async function download(v: Venue, ext: 'png' | 'pdf', status: HTMLElement): Promise<void> {
  try {
    const blob = await (await hcFetch(`/api/hc/v1/venues/${v.id}/poster.${ext}`)).blob();
    const a = h('a', { href: URL.createObjectURL(blob), download: `${KIND_ZH[v.kind]}-${v.id}.${ext}` });
    document.body.appendChild(a);
    a.click();
    a.remove();
  } catch (e) {
    replaceChildren(status, (e as ApiError).message);
  }
}

/** The notice on a venue whose printed poster no longer checks in, until the owner replaces it. */
function reprintNotice(v: Venue): HTMLElement | null {
  if (!v.reprintRequired) return null;
  const notice: HTMLElement = h(
    'div',
    { class: 'hc-itin hc-itin-error', id: `reprint-${v.id}`, role: 'alert' },
    h('p', {}, '重要：此场所码的签名密钥已停用，已张贴的旧海报扫码无法打卡。请下载下方新的海报，打印后替换张贴。'),
    h(
      'button',
      {
        type: 'button',
        class: 'btn',
        'data-reprinted': v.id,
        onclick: async () => {
          try {
            await hcJson(`/api/hc/v1/venues/${v.id}/reprinted`, { method: 'POST', body: {} });
            notice.remove();
          } catch (e) {
            replaceChildren(notice, (e as ApiError).message);
          }
        },
      },
      '我已更换张贴新海报',
    ),
  );
  return notice;
}

function venueCard(v: Venue): HTMLElement {
  const status = h('p', { class: 'hc-error', role: 'alert' });
  const preview = h('img', { class: 'hc-poster', alt: `${v.name} ${KIND_ZH[v.kind]}海报`, id: `poster-${v.id}` });
  void hcFetch(`/api/hc/v1/venues/${v.id}/poster.png`)
    .then((r) => r.blob())
    .then((b) => {
      preview.src = URL.createObjectURL(b);
    })
    .catch(() => {});
  return h(
    'article',
    { class: 'panel hc-venue', 'data-venue': v.id },
    h('h3', { class: 'panel-title' }, `${KIND_ZH[v.kind]} · ${v.name}`),
    h('p', { class: 'hc-muted' }, `编号 ${v.id} · ${v.address}`),
    reprintNotice(v),
    preview,
    h(
      'div',
      { class: 'hc-row' },
      h(
        'button',
        { type: 'button', class: 'btn', 'data-download': 'png', onclick: () => void download(v, 'png', status) },
        '下载海报（PNG）',
      ),
      h(
        'button',
        { type: 'button', class: 'btn', 'data-download': 'pdf', onclick: () => void download(v, 'pdf', status) },
        '下载海报（PDF）',
      ),
    ),
    status,
  );
}

async function render(): Promise<void> {
  let venues: Venue[];
  try {
    venues = (await hcJson<{ venues: Venue[] }>('/api/hc/v1/venues')).venues;
  } catch (e) {
    if ((e as ApiError).code === 'UNAUTHENTICATED') return login();
    throw e;
  }
  const kind = h(
    'select',
    { id: 'v-kind', class: 'hc-input' },
    ...(Object.keys(KIND_ZH) as Array<keyof typeof KIND_ZH>).map((k) => h('option', { value: k }, KIND_ZH[k])),
  );
  const name = h('input', { id: 'v-name', class: 'hc-input', maxlength: 40, placeholder: '单位、小区名称或车牌号' });
  const address = h('input', { id: 'v-address', class: 'hc-input', maxlength: 200, placeholder: '详细地址或线路' });
  const msg = h('p', { class: 'hc-error', role: 'alert', id: 'venue-error' });
  const list = h('div', { id: 'venue-list' }, ...venues.map(venueCard));
  replaceChildren(
    main,
    h(
      'form',
      {
        class: 'panel',
        id: 'venue-form',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          replaceChildren(msg);
          try {
            const v = await hcJson<Venue>('/api/hc/v1/venues', {
              method: 'POST',
              body: { kind: kind.value, name: name.value, address: address.value },
            });
            list.prepend(venueCard(v));
            name.value = '';
            address.value = '';
          } catch (e) {
            replaceChildren(msg, (e as ApiError).message);
          }
        },
      },
      h('h2', { class: 'panel-title' }, '登记场所，领取场所码'),
      h('label', { class: 'hc-label', for: 'v-kind' }, '类型'),
      kind,
      h('label', { class: 'hc-label', for: 'v-name' }, '名称'),
      name,
      h('label', { class: 'hc-label', for: 'v-address' }, '地址'),
      address,
      msg,
      h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'venue-submit' }, '生成场所码'),
    ),
    list,
  );
}

function login(): void {
  replaceChildren(
    main,
    loginBox('场所负责人手机号码验证', () => void render()),
  );
}

if (getToken()) void render();
else login();
