// English names of the regions for English pages, messages and the demo's table:
// provinces by their official English names (the `provinces` package), cities in
// Hanyu Pinyin made from their GB/T 2260 Chinese names (pinyin-pro), so every
// city of the data has one without a table of our own. 扬州市 → Yangzhou,
// 六安市 → Lu'an, 大兴安岭地区 → Daxing'anling Prefecture. An autonomous area
// reads as its official English name does: the place in pinyin, the ethnic groups
// in English, the kind of area (博尔塔拉蒙古自治州 → Bo'ertala Mongol Autonomous
// Prefecture, 保亭黎族苗族自治县 → Baoting Li and Miao Autonomous County).
import { pinyin } from 'pinyin-pro';
import provinces from 'provinces/provinces.json' with { type: 'json' };
import { provinceName, type Region, regionByCode } from './regions.ts';

const OFFICIAL = (provinces as Array<{ name: string; english: string; country: string; alt?: string[] }>).filter(
  (p) => p.country === 'CN',
);

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Place names pinyin-pro reads the everyday way, not the place's (喀什, 塔什库尔干: shi, not shen):
 * the syllables of the characters, put in wherever the place occurs in a name.
 */
const PLACE_READINGS: Record<string, string[]> = { 喀什: ['ka', 'shi'], 塔什: ['ta', 'shi'] };

/** The syllables of a name, one per character, read in the context of the whole name (昌都市: chang du shi). */
function syllablesOf(hanzi: string): string[] {
  const out = pinyin(hanzi, { toneType: 'none', type: 'array', v: true }) as string[];
  for (const [place, reading] of Object.entries(PLACE_READINGS))
    for (let i = hanzi.indexOf(place); i >= 0; i = hanzi.indexOf(place, i + 1))
      out.splice(i, reading.length, ...reading);
  return out;
}

/** Syllables as one word, with the apostrophe before a syllable that starts with a, o or e (Lu'an). */
const word = (syllables: string[]) =>
  capital(syllables.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join(''));

/** Hanyu Pinyin of a name as one word. */
export function pinyinWord(hanzi: string): string {
  return word(syllablesOf(hanzi));
}

/**
 * The 55 ethnic minorities by the English names China's autonomous areas use in
 * their official names (Yanbian Korean, Garze Tibetan, Ili Kazak, Kizilsu Kirgiz):
 * no data package has them, and the names of autonomous areas need them.
 */
const ETHNIC_EN: Record<string, string> = {
  蒙古族: 'Mongol',
  回族: 'Hui',
  藏族: 'Tibetan',
  维吾尔族: 'Uygur',
  苗族: 'Miao',
  彝族: 'Yi',
  壮族: 'Zhuang',
  布依族: 'Buyei',
  朝鲜族: 'Korean',
  满族: 'Manchu',
  侗族: 'Dong',
  瑶族: 'Yao',
  白族: 'Bai',
  土家族: 'Tujia',
  哈尼族: 'Hani',
  哈萨克族: 'Kazak',
  傣族: 'Dai',
  黎族: 'Li',
  傈僳族: 'Lisu',
  佤族: 'Va',
  畲族: 'She',
  高山族: 'Gaoshan',
  拉祜族: 'Lahu',
  水族: 'Shui',
  东乡族: 'Dongxiang',
  纳西族: 'Naxi',
  景颇族: 'Jingpo',
  柯尔克孜族: 'Kirgiz',
  土族: 'Tu',
  达斡尔族: 'Daur',
  仫佬族: 'Mulao',
  羌族: 'Qiang',
  布朗族: 'Blang',
  撒拉族: 'Salar',
  毛南族: 'Maonan',
  仡佬族: 'Gelao',
  锡伯族: 'Xibe',
  阿昌族: 'Achang',
  普米族: 'Pumi',
  塔吉克族: 'Tajik',
  怒族: 'Nu',
  乌孜别克族: 'Uzbek',
  俄罗斯族: 'Russian',
  鄂温克族: 'Ewenki',
  德昂族: "De'ang",
  保安族: 'Bonan',
  裕固族: 'Yugur',
  京族: 'Gin',
  塔塔尔族: 'Tatar',
  独龙族: 'Derung',
  鄂伦春族: 'Oroqen',
  赫哲族: 'Hezhen',
  门巴族: 'Monba',
  珞巴族: 'Lhoba',
  基诺族: 'Jino',
  // 龙胜各族自治县: several groups.
  各族: 'Multi-ethnic',
};

/**
 * The names as they end an autonomous area's stem, longest first. Xinjiang's names
 * leave out 族 (博尔塔拉蒙古自治州, 伊犁哈萨克自治州): a name of two characters or
 * more also stands without it (a one-character one would eat the place: 土, 回).
 */
const ETHNIC_ENDINGS: Array<[string, string]> = Object.entries(ETHNIC_EN)
  .flatMap(([zh, en]): Array<[string, string]> => {
    const bare = zh.slice(0, -1);
    return bare.length >= 2 && zh !== '各族'
      ? [
          [zh, en],
          [bare, en],
        ]
      : [[zh, en]];
  })
  .sort((a, b) => b[0].length - a[0].length);

/** An autonomous area's place (maybe none) and ethnic groups in English: 海西蒙古族藏族 → [海西, [Mongol, Tibetan]]. */
function splitEthnic(stem: string): [string, string[]] {
  const groups: string[] = [];
  let place = stem;
  for (;;) {
    const e = ETHNIC_ENDINGS.find(([zh]) => place.endsWith(zh) && place.length - zh.length >= 2);
    if (!e) {
      // The area is named after the group alone (鄂伦春自治旗 → Oroqen Autonomous Banner).
      const whole = groups.length === 0 && ETHNIC_ENDINGS.find(([zh]) => zh === place);
      return whole ? ['', [whole[1]]] : [place, groups];
    }
    groups.unshift(e[1]);
    place = place.slice(0, -e[0].length);
  }
}

/** Two groups are "A and B", three "A, B and C", as the official names write them. */
const listed = (names: string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

const AUTONOMOUS: Record<string, string> = { 州: 'Prefecture', 县: 'County', 旗: 'Banner' };
const KINDS: Record<string, string> = {
  地区: ' Prefecture',
  盟: ' League',
  林区: ' Forestry District',
  县: ' County',
  旗: ' Banner',
  市: '',
};

/** The English name of a city (prefecture level, or a county a province governs directly) from its Chinese name. */
export function cityNameEn(name: string): string {
  const all = syllablesOf(name);
  const auto = /^(.+)自治(州|县|旗)$/.exec(name);
  if (auto) {
    const [place, groups] = splitEthnic(auto[1]!);
    return [word(all.slice(0, place.length)), listed(groups), `Autonomous ${AUTONOMOUS[auto[2]!]}`]
      .filter(Boolean)
      .join(' ');
  }
  const m = /^(.+?)(地区|盟|林区|县|旗|市)$/.exec(name);
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
