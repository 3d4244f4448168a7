// 长辈模式: large text for older people, a switch in the top bar kept in
// localStorage and shared by every page (card, help, health code). It scales
// the root font size, and every text size is in rem, so the whole page grows,
// as it also does with the phone's own large-font setting.
import type { Lang } from './lang.ts';

const KEY = 'itinerary-card.elder';

const LABEL = {
  zh: { on: '长辈模式', off: '标准模式' },
  en: { on: 'Large text', off: 'Standard text' },
} as const;

function elderMode(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

/** Sets <html class="elder"> from the stored choice (call before the first render). */
export function applyElderMode(on: boolean = elderMode()): void {
  document.documentElement.classList.toggle('elder', on);
}

/**
 * The switch: a toggle button (aria-pressed) whose label says what it turns on,
 * 长辈模式, or back to 标准模式 while large text is on.
 */
export function elderSwitch(lang: Lang, onChange?: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = 'elder-switch';
  b.className = 'elder-switch';
  const paint = () => {
    const on = elderMode();
    b.textContent = on ? LABEL[lang].off : LABEL[lang].on;
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  b.addEventListener('click', () => {
    const on = !elderMode();
    try {
      localStorage.setItem(KEY, on ? '1' : '0');
    } catch {
      // Private mode without storage: the switch still applies to this page view.
    }
    applyElderMode(on);
    paint();
    onChange?.();
  });
  paint();
  return b;
}
