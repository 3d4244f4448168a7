// My code (我的昌通码): a QR code signed by the city, refreshed on screen before it
// expires so a screenshot goes stale, with the colour, the masked name, a live
// Beijing clock and the reason for the colour.
import QRCode from 'qrcode';
import { beijingParts } from '../shared/beijing-clock.ts';
import { h, replaceChildren } from '../shared/h.ts';
import { type ApiError, COLOUR_ZH, getToken, hcConfig, hcJson, type Reason, UNVERIFIED_ZH } from './lib/hc-api.ts';
import { loginBox } from './lib/login-box.ts';
import { errorPanel, mount, nav } from './lib/page.ts';

interface CodeAnswer {
  token: string;
  colour: 'green' | 'yellow' | 'red';
  reasons: Reason[];
  itineraryVerified: boolean;
  maskedName: string;
  phone: string;
  issuedAt: number;
  expiresAt: number;
  refreshAfterSeconds: number;
  serverTime: number;
}

const INK = { green: '#0a7d3e', yellow: '#9a6b00', red: '#b3261e' } as const;

const main = mount('我的昌通码');
let offset = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let tickTimer: ReturnType<typeof setTimeout> | undefined;

async function show(): Promise<void> {
  clearTimeout(refreshTimer);
  let c: CodeAnswer;
  try {
    c = await hcJson<CodeAnswer>('/api/hc/v1/me/code');
  } catch (e) {
    const err = e as ApiError;
    if (err.code === 'UNAUTHENTICATED') return login();
    if (err.code === 'NOT_REGISTERED') {
      return errorPanel(
        main,
        err.message,
        h('a', { class: 'btn btn-primary btn-block', href: 'register.html', id: 'go-register' }, '立即申领'),
      );
    }
    // Keep the last code on screen only until it expires; say why it is not refreshing.
    const status = document.getElementById('code-status');
    if (status) status.textContent = `刷新失败：${err.message}`;
    refreshTimer = setTimeout(show, 5000);
    return;
  }
  offset = c.serverTime - Date.now();
  const cfg = await hcConfig();
  const canvas = h('canvas', {
    id: 'code-qr',
    class: 'hc-qr',
    'aria-label': `${cfg.codeName}二维码`,
    'data-token': c.token,
  });
  await QRCode.toCanvas(canvas, c.token, {
    errorCorrectionLevel: 'M',
    margin: 3,
    width: 280,
    color: { dark: INK[c.colour], light: '#ffffff' },
  });
  const clock = h('p', { class: 'hc-clock', id: 'code-clock' });
  const status = h('p', { class: 'hc-muted', id: 'code-status' });
  replaceChildren(
    main,
    h(
      'section',
      { class: `panel hc-code hc-${c.colour}`, id: 'code-card', 'data-colour': c.colour },
      h('p', { class: 'hc-code-city' }, `${cfg.cityName} · ${cfg.codeName}`),
      h('p', { class: 'hc-code-name', id: 'code-name' }, c.maskedName, h('span', { class: 'hc-muted' }, ` ${c.phone}`)),
      clock,
      h('div', { class: 'hc-qr-wrap' }, canvas),
      h('p', { class: 'hc-code-colour', id: 'code-colour' }, COLOUR_ZH[c.colour]),
      status,
      h('ul', { class: 'hc-reasons', id: 'code-reasons' }, ...c.reasons.map((r) => h('li', {}, r.zh))),
      c.itineraryVerified
        ? null
        : h(
            'p',
            { class: 'hc-unverified', id: 'code-unverified' },
            UNVERIFIED_ZH,
            h('a', { href: 'edit.html' }, '授权查询行程'),
          ),
    ),
    nav(),
  );
  clearTimeout(tickTimer);
  tick(c);
  refreshTimer = setTimeout(show, c.refreshAfterSeconds * 1000);
}

function tick(c: CodeAnswer): void {
  const clock = document.getElementById('code-clock');
  const status = document.getElementById('code-status');
  if (!clock || !status) return;
  const now = Date.now() + offset;
  const p = beijingParts(now);
  clock.textContent = `${p.date} ${p.time}`;
  const left = Math.max(0, Math.round((c.expiresAt - now) / 1000));
  status.textContent = left > 0 ? `二维码实时刷新，${left}秒内有效` : '二维码已过期，正在刷新……';
  tickTimer = setTimeout(() => tick(c), 1000 - (now % 1000) + 5);
}

function login(): void {
  replaceChildren(
    main,
    loginBox('登录查看我的昌通码', () => void show()),
  );
}

if (getToken()) void show();
else login();
