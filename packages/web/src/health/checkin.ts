// Scan and punch (自助扫码打卡): opened by scanning a venue code or a checkpoint's
// verification code; records the check-in, then shows the success page with the
// embedded itinerary module to present to the checkpoint staff.
import { beijingParts } from '../shared/beijing-clock.ts';
import { h, replaceChildren } from '../shared/h.ts';
import { getToken, type HcError, hcConfig, hcJson } from './lib/hc-api.ts';
import { itineraryModule } from './lib/itinerary-module.ts';
import { loginBox } from './lib/login-box.ts';
import { errorPanel, mount } from './lib/page.ts';

interface Punch {
  venue: { id: string; kind: string; kindName: string; name: string };
  at: string;
  maskedName: string;
  phone: string;
}

const main = mount('扫码打卡');
const code = new URLSearchParams(location.search).get('c') ?? '';

async function punch(): Promise<void> {
  let p: Punch;
  try {
    p = await hcJson<Punch>('/api/hc/v1/checkins', { method: 'POST', body: { code } });
  } catch (e) {
    const err = e as HcError;
    if (err.code === 'UNAUTHENTICATED') return login();
    if (err.code === 'NOT_REGISTERED') {
      return errorPanel(
        main,
        err.message,
        h('a', { class: 'btn btn-primary btn-block', href: 'register.html' }, '立即申领'),
      );
    }
    const cfg = await hcConfig().catch(() => null);
    return errorPanel(
      main,
      err.message,
      cfg
        ? h(
            'a',
            { class: 'btn btn-block', href: cfg.itineraryCardUrl, id: 'itinerary-card-link' },
            '前往通信大数据行程卡查询（输入手机号码和验证码）',
          )
        : undefined,
    );
  }
  const clock = h('p', { class: 'hc-clock', id: 'checkin-clock' });
  const tick = () => {
    const t = beijingParts(Date.now());
    clock.textContent = `${t.date} ${t.time}`;
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  };
  replaceChildren(
    main,
    h(
      'section',
      { class: 'panel hc-success', id: 'checkin-success' },
      h('div', { class: 'hc-tick', 'aria-hidden': 'true' }, '✓'),
      h('h2', { class: 'hc-success-title' }, '打卡成功'),
      h('p', { id: 'checkin-venue' }, `${p.venue.kindName} · ${p.venue.name}`),
      h('p', { class: 'hc-muted', id: 'checkin-person' }, `${p.maskedName ?? ''} ${p.phone}`),
      h('p', { class: 'hc-muted' }, `打卡时间：${p.at.replace('T', ' ').slice(0, 19)}`),
      clock,
    ),
    itineraryModule('checkin', () => {}),
    h('p', { class: 'hc-muted hc-center' }, '查询结果可出示给卡口工作人员查验'),
    h('a', { class: 'btn btn-block', href: 'code.html' }, '查看我的昌通码'),
  );
  tick();
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
