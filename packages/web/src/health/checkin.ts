// Scan and punch (自助扫码打卡): opened by scanning a venue code or a checkpoint's
// verification code; records the check-in, then shows the result the guard looks
// at: the holder's current code colour as a full-width block with its reasons, the
// check-in time and a live clock and sweep (a screenshot cannot pass for it), then
// the embedded itinerary module, whose result becomes the code's evidence.
import { formatBeijingDisplay } from '@itinerary-card/domain';
import { beijingParts } from '../shared/beijing-clock.ts';
import { h, replaceChildren } from '../shared/h.ts';
import {
  type ApiError,
  COLOUR_ZH,
  type ColourUnknown,
  getToken,
  type HolderNow,
  hcJson,
  UNVERIFIED_ZH,
} from './lib/hc-api.ts';
import { itineraryModule } from './lib/itinerary-module.ts';
import { loginBox } from './lib/login-box.ts';
import { errorPanel, mount } from './lib/page.ts';

type Shown = HolderNow | ColourUnknown;

type Punch = Shown & {
  venue: { id: string; kind: string; kindName: string; name: string };
  at: string;
  maskedName: string;
  phone: string;
};

/** What the colour means at the door, under the colour itself. */
const VERDICT = {
  green: '✓ 打卡成功',
  yellow: '已打卡 · 请出示给工作人员核验',
  red: '已打卡 · 请勿进入，请配合工作人员处置',
  // Storage outage: the check-in is taken, the colour is not known here.
  unknown: '已打卡 · 系统繁忙，暂时无法读取码色，请出示“我的昌通码”核验',
} as const;

/** How often the open result page re-reads the colour. */
const FOLLOW_MS = 15_000;
const INK = { green: '#0a7d3e', yellow: '#8a5d00', red: '#b3261e', unknown: '#4e5969' } as const;

const main = mount('扫码打卡');
const code = new URLSearchParams(location.search).get('c') ?? '';
let tickTimer: ReturnType<typeof setTimeout> | undefined;

/** The colour block: dominant, with the reasons, the check-in time and a clock that ticks. */
function resultBlock(p: Punch, now: Shown, offset: number): HTMLElement {
  // A timer, named, and silent: inside the result's live region a clock that changes every second
  // would otherwise be read out every second (and a paragraph cannot carry a name).
  const clock = h('p', {
    class: 'hc-checkin-clock',
    id: 'checkin-clock',
    role: 'timer',
    'aria-live': 'off',
    'aria-label': '当前北京时间',
  });
  const tick = () => {
    const t = beijingParts(Date.now() + offset);
    clock.textContent = `${t.date} ${t.time}`;
    tickTimer = setTimeout(tick, 1000 - ((Date.now() + offset) % 1000) + 5);
  };
  clearTimeout(tickTimer);
  tick();
  const colour = now.colour ?? 'unknown';
  document.body.dataset.colour = colour;
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', INK[colour]);
  return h(
    'section',
    {
      class: `hc-checkin hc-${colour}`,
      id: 'checkin-success',
      'data-colour': colour,
      role: 'status',
      'aria-live': 'polite',
    },
    h('div', { class: 'hc-checkin-sweep', 'aria-hidden': 'true' }),
    h('p', { class: 'hc-checkin-colour', id: 'checkin-colour' }, now.colour ? COLOUR_ZH[now.colour] : '码色暂不可知'),
    h('p', { class: 'hc-checkin-verdict', id: 'checkin-verdict' }, VERDICT[colour]),
    clock,
    now.reasons.length
      ? h('ul', { class: 'hc-checkin-reasons', id: 'checkin-reasons' }, ...now.reasons.map((r) => h('li', {}, r.zh)))
      : null,
    now.itineraryVerified === false
      ? h('p', { class: 'hc-checkin-unverified', id: 'checkin-unverified' }, UNVERIFIED_ZH)
      : null,
    h('p', { class: 'hc-checkin-venue', id: 'checkin-venue' }, `${p.venue.kindName} · ${p.venue.name}`),
    h('p', { id: 'checkin-person' }, `${p.maskedName ?? ''} ${p.phone}`),
    h('p', { id: 'checkin-time' }, `打卡时间：${formatBeijingDisplay(Date.parse(p.at))}`),
  );
}

async function punch(): Promise<void> {
  let p: Punch;
  try {
    p = await hcJson<Punch>('/api/hc/v1/checkins', { method: 'POST', body: { code } });
  } catch (e) {
    const err = e as ApiError;
    if (err.code === 'UNAUTHENTICATED') return login();
    if (err.code === 'NOT_REGISTERED') {
      // The application form comes back here with the same venue code, so the check-in is not lost.
      return errorPanel(
        main,
        `${err.message}。申领后将自动完成本次打卡。`,
        h(
          'a',
          {
            class: 'btn btn-primary btn-block',
            id: 'go-register',
            href: `register.html?c=${encodeURIComponent(code)}`,
          },
          '立即申领',
        ),
      );
    }
    // A forged, altered or unknown venue code: nothing to do with the itinerary, so no link to it.
    return errorPanel(main, err.message);
  }
  const offset = Date.parse(p.at) - Date.now();
  const slot = h('div', { id: 'checkin-slot' }, resultBlock(p, p, offset));
  let shown: Shown = p;
  // The colour may change while the page is open (the office's decision, the area list): follow it.
  const follow = async () => {
    try {
      const me = await hcJson<HolderNow>('/api/hc/v1/me');
      const same = (a: HolderNow, b: Shown) =>
        a.colour === b.colour &&
        a.itineraryVerified === b.itineraryVerified &&
        a.reasons.map((r) => r.zh).join() === b.reasons.map((r) => r.zh).join();
      if (!same(me, shown)) {
        shown = { colour: me.colour, reasons: me.reasons, itineraryVerified: me.itineraryVerified };
        replaceChildren(slot, resultBlock(p, shown, offset));
      }
    } catch {
      // Offline for a moment: the block keeps the last colour and the clock keeps ticking.
    }
  };
  setInterval(() => void follow(), FOLLOW_MS);
  replaceChildren(
    main,
    slot,
    itineraryModule('checkin', (c) => {
      // The check is now the code's evidence: show the colour it gives.
      if (c?.holder) {
        shown = c.holder;
        replaceChildren(slot, resultBlock(p, shown, offset));
      }
    }),
    h('p', { class: 'hc-muted hc-center' }, '查询结果可出示给卡口工作人员查验'),
    h('a', { class: 'btn btn-block', href: 'code.html' }, '查看我的昌通码'),
  );
}

function login(): void {
  replaceChildren(
    main,
    loginBox('验证手机号码后打卡', () => void punch()),
  );
}

if (!code) errorPanel(main, '无效的场所码，请扫描张贴的昌通码场所码或核验码');
else if (getToken()) void punch();
else login();
