// Page chrome shared by the health-code pages: title bar, main area, footer.
import '../../shared/base.css';
import '../health.css';
import { applyElderMode, elderSwitch } from '../../shared/elder-mode.ts';
import { h, replaceChildren } from '../../shared/h.ts';
import { getToken, logout } from './hc-api.ts';

export function mount(title: string): HTMLElement {
  document.title = title;
  const main = document.getElementById('app') as HTMLElement;
  const t = document.getElementById('page-title');
  if (t) t.textContent = title;
  // 长辈模式 (large text), the same switch and choice as on the itinerary card.
  applyElderMode();
  t?.parentElement?.append(h('div', { class: 'topbar-tools' }, elderSwitch('zh')));
  showLogout();
  return main;
}

/** Puts 退出登录 in the title bar while a session is stored (pages call it again after a login). */
export function showLogout(): void {
  const bar = document.querySelector('.hc-topbar .topbar-tools') ?? document.querySelector('.hc-topbar');
  if (!bar || !getToken() || document.getElementById('hc-logout')) return;
  bar.append(
    h(
      'button',
      {
        type: 'button',
        class: 'lang-switch hc-logout',
        id: 'hc-logout',
        onclick: async () => {
          await logout();
          location.assign('index.html');
        },
      },
      '退出登录',
    ),
  );
}

export function errorPanel(main: HTMLElement, message: string, extra?: Node): void {
  replaceChildren(
    main,
    h('section', { class: 'panel' }, h('p', { class: 'hc-error', role: 'alert' }, message), extra ?? null),
  );
}

export function nav(): HTMLElement {
  return h(
    'nav',
    { class: 'hc-nav' },
    h('a', { href: 'code.html' }, '我的码'),
    h('a', { href: 'scan.html' }, '扫码打卡'),
    h('a', { href: 'edit.html' }, '修改信息'),
    h('a', { href: 'venue.html' }, '场所码'),
    h('a', { href: 'verify.html' }, '核验'),
  );
}
