// The page language: Chinese by default, English when the person switched to it
// (kept in localStorage). Every API call sends it as Accept-Language.
import type { Lang } from '@itinerary-card/domain';

const KEY = 'itinerary-card.lang';

export type { Lang };
export type Texts<T> = Record<Lang, T>;

export function currentLang(): Lang {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function setLang(lang: Lang): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // Private mode without storage: the switch still applies to this page view.
  }
  applyLang(lang);
}

/** Sets <html lang> so screen readers and fonts pick the right language. */
export function applyLang(lang: Lang = currentLang()): void {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
