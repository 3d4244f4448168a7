// The help page: the seed's guide and its questions and answers, in the
// language the person chose on the card page.
import '../shared/base.css';
import './help.css';
import QRCode from 'qrcode';
import { applyElderMode, elderSwitch } from '../shared/elder-mode.ts';
import { h, replaceChildren } from '../shared/h.ts';
import { applyLang, currentLang, setLang } from '../shared/lang.ts';
import { HOTLINE, TEXTS } from './card-texts.ts';
import { BACK, CLOSING_NOTE, FAQ, FAQ_TITLE, GUIDE, HELP_TITLE } from './help-content.ts';

const main = document.getElementById('app')!;

const QR_CAPTION = {
  zh: (url: string) => `扫描二维码，打开行程卡查询页面（${url}）`,
  en: (url: string) => `Scan to open the itinerary card page (${url})`,
};

/** The code of 方式一: a QR code of this site's card page, for another phone to scan. */
function cardQr(l: 'zh' | 'en'): HTMLElement {
  const url = new URL('/', location.href).href;
  const canvas = h('canvas', { id: 'card-qr', class: 'help-qr', role: 'img', 'aria-label': QR_CAPTION[l](url) });
  void QRCode.toCanvas(canvas, url, { errorCorrectionLevel: 'M', margin: 2, width: 180 });
  return h('figure', { class: 'help-qr-figure' }, canvas, h('figcaption', {}, QR_CAPTION[l](url)));
}
const langButton = document.getElementById('lang-switch') as HTMLButtonElement;

function render(): void {
  const l = currentLang();
  const t = TEXTS[l];
  document.title = FAQ_TITLE[l];
  document.getElementById('page-title')!.textContent = HELP_TITLE[l];
  langButton.textContent = t.langSwitch;
  langButton.setAttribute('aria-label', t.langSwitchLabel);
  langButton.lang = l === 'en' ? 'zh-CN' : 'en';
  document.getElementById('elder-slot')?.replaceChildren(elderSwitch(l));
  replaceChildren(
    main,
    h('p', {}, h('a', { href: '/', class: 'btn', id: 'back' }, BACK[l])),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'guide-title' },
      h('h2', { id: 'guide-title', class: 'panel-title' }, HELP_TITLE[l]),
      ...GUIDE.map((s) =>
        h(
          'div',
          {},
          h('h3', {}, s.title[l]),
          // 方式一 says 扫码: its code (to the card page) follows it.
          ...s.paragraphs[l].flatMap((p, j) => (s.qr && j === 0 ? [h('p', {}, p), cardQr(l)] : [h('p', {}, p)])),
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'faq-title' },
      h('h2', { id: 'faq-title', class: 'panel-title' }, FAQ_TITLE[l]),
      h(
        'ol',
        { class: 'faq' },
        ...FAQ.map((item, i) =>
          h(
            'li',
            { id: `q${i + 1}` },
            h(
              'details',
              {},
              h('summary', {}, l === 'en' ? `Q: ${item.q.en}` : `问：${item.q.zh}`),
              ...item.a[l].map((p, j) => h('p', {}, j === 0 ? (l === 'en' ? `A: ${p}` : `答：${p}`) : p)),
            ),
          ),
        ),
      ),
      h('p', { class: 'closing' }, CLOSING_NOTE[l]),
    ),
  );
  replaceChildren(document.getElementById('footer')!, h('p', {}, t.hotlineLabel, HOTLINE[l]));
}

langButton.addEventListener('click', () => {
  setLang(currentLang() === 'en' ? 'zh' : 'en');
  render();
});

applyLang();
applyElderMode();
render();
// A link to /help#q7 (from an error dialog) opens that answer.
const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
target?.querySelector('details')?.setAttribute('open', '');
target?.scrollIntoView();
