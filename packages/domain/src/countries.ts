// Countries and regions: ISO 3166-1 alpha-2 codes with Chinese and English
// names (i18n-iso-countries), and the visited network (MCC+MNC, from
// mcc-mnc-list) of a roaming record mapped to its country or region.
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import zh from 'i18n-iso-countries/langs/zh.json' with { type: 'json' };
import mccList from 'mcc-mnc-list/mcc-mnc-list.json' with { type: 'json' };

countries.registerLocale(zh);
countries.registerLocale(en);

/** Hong Kong, Macau and Taiwan are regions (地区) of China, not countries. */
const CHINA_REGIONS: Readonly<Record<string, { zh: string; en: string }>> = {
  HK: { zh: '中国香港', en: 'Hong Kong, China' },
  MO: { zh: '中国澳门', en: 'Macau, China' },
  TW: { zh: '中国台湾', en: 'Taiwan, China' },
};

const REGION_BY_MCC: Record<string, string> = { '454': 'HK', '455': 'MO', '466': 'TW' };
/** MCCs of mainland China: a "roaming" record with these is not abroad. */
const MAINLAND_MCCS = new Set(['460', '461']);

export function isRegionOfChina(code: string): boolean {
  return code in CHINA_REGIONS;
}

export function countryName(code: string, lang: 'zh' | 'en' = 'zh'): string {
  const region = CHINA_REGIONS[code];
  if (region) return region[lang];
  return countries.getName(code, lang) ?? code;
}

export function isCountryCode(code: string): boolean {
  return code in CHINA_REGIONS || countries.isValid(code);
}

interface MccRow {
  mcc: string;
  mnc: string | null;
  countryCode: string | null;
}

function buildPlmnMaps() {
  const plmnCodes = new Map<string, Set<string>>();
  const votes = new Map<string, Map<string, number>>();
  for (const row of mccList as MccRow[]) {
    if (!row.mcc || !row.countryCode) continue;
    const cc = row.countryCode.toUpperCase();
    // Rows with several codes ("US/VI") are networks spanning territories.
    if (!/^[A-Z]{2}$/.test(cc)) continue;
    if (row.mnc) {
      const set = plmnCodes.get(row.mcc + row.mnc) ?? new Set<string>();
      set.add(cc);
      plmnCodes.set(row.mcc + row.mnc, set);
    }
    const v = votes.get(row.mcc) ?? new Map<string, number>();
    v.set(cc, (v.get(cc) ?? 0) + 1);
    votes.set(row.mcc, v);
  }
  const byMcc = new Map<string, string>();
  for (const [mcc, v] of votes) {
    byMcc.set(mcc, [...v].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]);
  }
  for (const [mcc, cc] of Object.entries(REGION_BY_MCC)) byMcc.set(mcc, cc);
  // A network listed under several territories (T-Mobile US in US, PR, VI)
  // is taken as its MCC's main country when that is among them.
  const byPlmn = new Map<string, string>();
  for (const [plmn, set] of plmnCodes) {
    const main = byMcc.get(plmn.slice(0, 3))!;
    byPlmn.set(plmn, set.has(main) ? main : [...set].sort()[0]!);
  }
  return { byPlmn, byMcc };
}

const PLMN = buildPlmnMaps();

/**
 * Country or region (ISO alpha-2) of a visited network given as MCC+MNC (5 or 6
 * digits). Returns undefined for an unknown MCC and 'CN' for mainland networks.
 */
export function countryOfPlmn(plmn: string): string | undefined {
  if (!/^\d{5,6}$/.test(plmn)) return undefined;
  const mcc = plmn.slice(0, 3);
  if (MAINLAND_MCCS.has(mcc)) return 'CN';
  const region = REGION_BY_MCC[mcc];
  if (region) return region;
  return PLMN.byPlmn.get(plmn) ?? PLMN.byMcc.get(mcc);
}

/** A few PLMNs per country, for simulators and tests: the first MCC+MNC listed for a country. */
export function plmnsOfCountry(code: string): string[] {
  const out: string[] = [];
  for (const [plmn, cc] of PLMN.byPlmn) if (cc === code) out.push(plmn);
  return out.sort();
}
