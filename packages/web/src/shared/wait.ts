// A wait the platform asked for (retryAfterSeconds), said the way people say it:
// 45秒 / 3分钟 / 2小时15分钟; 45 seconds / 3 minutes / 2 h 15 min.
import type { Lang } from './lang.ts';

export function formatWait(seconds: number, lang: Lang): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 120) return lang === 'en' ? `${s} seconds` : `${s}秒`;
  const min = Math.ceil(s / 60);
  if (min < 60) return lang === 'en' ? `${min} minutes` : `${min}分钟`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (lang === 'en') return m ? `${h} h ${m} min` : `${h} hours`;
  return m ? `${h}小时${m}分钟` : `${h}小时`;
}
