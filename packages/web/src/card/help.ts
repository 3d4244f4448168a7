// The help page: the seed's guide and its questions and answers, in the
// language the person chose on the card page.
import '../shared/base.css';
import './help.css';
import { h, replaceChildren } from '../shared/h.ts';
import { applyLang, currentLang, setLang } from '../shared/lang.ts';
import { HOTLINE, TEXTS } from './card-texts.ts';
import { BACK, CLOSING_NOTE, FAQ, FAQ_TITLE, GUIDE, HELP_TITLE } from './help-content.ts';

const main = document.getElementById('app')!;
const langButton = document.getElementById('lang-switch') as HTMLButtonElement;

function render(): void {
  const l = currentLang();
  const t = TEXTS[l];
  document.title = FAQ_TITLE[l];
  document.getElementById('page-title')!.textContent = HELP_TITLE[l];
  langButton.textContent = t.langSwitch;
  langButton.setAttribute('aria-label', t.langSwitchLabel);
  langButton.lang = l === 'en' ? 'zh-CN' : 'en';
  replaceChildren(
    main,
    h('p', {}, h('a', { href: '/', class: 'btn', id: 'back' }, BACK[l])),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'guide-title' },
      h('h2', { id: 'guide-title', class: 'panel-title' }, HELP_TITLE[l]),
      ...GUIDE.map((s) => h('div', {}, h('h3', {}, s.title[l]), ...s.paragraphs[l].map((p) => h('p', {}, p)))),
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
render();
// A link to /help#q7 (from an error dialog) opens that answer.
const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
target?.querySelector('details')?.setAttribute('open', '');
target?.scrollIntoView();
