// Picks one phone number per interesting case for the demo's table, from the
// registry (kind, porting), the simulator's truth (persona) when there is one,
// and what the operator nodes will actually answer, so every number shown
// really shows its case.
import { existsSync, readFileSync } from 'node:fs';
import {
  countryName,
  isRegionOfChina,
  type NodeItinerary,
  type Operator,
  provinceNameEn,
  regionByCode,
  regionNameEn,
} from '@itinerary-card/domain';

export interface DemoCase {
  id: string;
  label: string;
  msisdn: string;
  operator: Operator;
  expect: string;
}

export interface CasePick {
  cases: DemoCase[];
  /** The province the health-code city lists as an epidemic area (Hubei when anyone went there). */
  epidemicProvince: { code: string; name: string };
}

interface Sub {
  msisdn: string;
  operator: Operator;
  kind: string;
  ported: boolean;
  persona?: string;
}

type Lookup = (msisdn: string, op: Operator, days: 7 | 14) => NodeItinerary | undefined;

// The table is in English throughout: cities in pinyin (鹤壁市 → Hebi), countries and outcomes in words;
// `*` after the cities the card marks (a risk area in force: every city of the epidemic province).
const cityList = (codes: string[], risky: (code: string) => boolean) =>
  codes.map((c) => `${regionNameEn(c)?.city ?? c}${risky(c) ? '*' : ''}`).join(', ');
const OUTCOME: Record<string, string> = {
  new_subscriber: 'no itinerary: number opened less than 7 days ago',
  no_data: 'no itinerary: no records in the window',
};
const describe = (a: NodeItinerary, risky: (code: string) => boolean) =>
  a.status === 'ok'
    ? [cityList(a.cities, risky), a.countries.map((c) => countryName(c, 'en')).join(', ')].filter(Boolean).join('; ') ||
      '-'
    : (OUTCOME[a.status] ?? a.status.replace(/_/g, ' '));

export function readSubscribers(subscribersCsv: string, truthFile?: string): Sub[] {
  const persona = new Map<string, string>();
  if (truthFile && existsSync(truthFile)) {
    for (const line of readFileSync(truthFile, 'utf8').split('\n')) {
      if (!line) continue;
      // Only the head of each line is needed; parsing it whole for 20,000 lines is still quick.
      const t = JSON.parse(line) as { msisdn: string; persona: string };
      persona.set(t.msisdn, t.persona);
    }
  }
  const lines = subscribersCsv.split('\n').filter((l) => l.trim());
  const cols = lines[0]!.split(',');
  const ix = (c: string) => cols.indexOf(c);
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    const msisdn = f[ix('msisdn')]!;
    const s: Sub = {
      msisdn,
      operator: f[ix('operator')] as Operator,
      kind: f[ix('kind')] ?? 'normal',
      ported: (f[ix('ported_at')] ?? '') !== '',
    };
    const p = persona.get(msisdn);
    if (p) s.persona = p;
    return s;
  });
}

export function pickCases(subs: Sub[], lookup: Lookup): CasePick {
  const hasTruth = subs.some((s) => s.persona);
  const plain = (s: Sub) => s.kind === 'normal' && !s.ported;
  const a7 = (s: Sub) => lookup(s.msisdn, s.operator, 7);
  const a14 = (s: Sub) => lookup(s.msisdn, s.operator, 14);
  // Hubei if anyone's 7-day itinerary (what the card shows) has a Hubei city, else the province most
  // visited by travellers in those 7 days.
  let epidemic = { code: '420000', name: '湖北省' };
  const visits = (prefix: string) =>
    subs.find((s) => plain(s) && a7(s)?.status === 'ok' && a7(s)!.cities.some((c) => c.startsWith(prefix)));
  if (!visits('42')) {
    const counts = new Map<string, number>();
    for (const s of subs.slice(0, 5000)) {
      if (!plain(s) || (hasTruth && s.persona === 'home')) continue;
      for (const c of a7(s)?.cities ?? []) counts.set(c.slice(0, 2), (counts.get(c.slice(0, 2)) ?? 0) + 1);
    }
    const top = [...counts].sort((x, y) => y[1] - x[1])[0];
    if (top) epidemic = { code: `${top[0]}0000`, name: regionByCode(`${top[0]}0000`)?.province ?? top[0] };
  }
  const inEpidemic = (c: string) => c.startsWith(epidemic.code.slice(0, 2));
  const want: Array<{ id: string; label: string; ok: (s: Sub) => boolean; days?: 14 }> = [
    {
      id: 'home',
      label: 'stay-at-home',
      ok: (s) =>
        plain(s) && (!hasTruth || s.persona === 'home') && a7(s)?.status === 'ok' && a7(s)!.cities.length === 1,
    },
    {
      id: 'traveller',
      label: 'traveller',
      ok: (s) =>
        plain(s) &&
        (!hasTruth || s.persona === 'train_traveller' || s.persona === 'flyer') &&
        a7(s)?.status === 'ok' &&
        a7(s)!.cities.length >= 2 &&
        a7(s)!.countries.length === 0,
    },
    {
      id: 'border',
      label: 'border resident',
      ok: (s) => plain(s) && s.persona === 'border_resident' && a7(s)?.status === 'ok',
    },
    {
      id: 'abroad',
      label: 'back from abroad',
      ok: (s) => plain(s) && a7(s)?.status === 'ok' && (a7(s)?.countries ?? []).some((c) => !isRegionOfChina(c)),
    },
    { id: 'new', label: 'new number', ok: (s) => plain(s) && a7(s)?.status === 'new_subscriber' },
    { id: 'ported', label: 'ported', ok: (s) => s.ported && s.kind === 'normal' && a7(s)?.status === 'ok' },
    { id: 'mvno', label: 'MVNO', ok: (s) => s.kind === 'mvno' && a7(s)?.status === 'ok' },
    { id: 'secondary', label: 'secondary number', ok: (s) => s.kind === 'secondary' && a7(s)?.status === 'ok' },
    // Within 7 days, so the card shows the risk mark (*) while the health code turns red.
    {
      id: 'epidemic',
      label: `epidemic-area visitor (${provinceNameEn(epidemic.name)}, card *)`,
      ok: (s) =>
        plain(s) &&
        a7(s)?.status === 'ok' &&
        a7(s)!.cities.some(inEpidemic) &&
        !a7(s)!.cities.every(inEpidemic) &&
        a14(s)!.countries.length === 0,
    },
    {
      id: 'epidemic',
      label: `epidemic-area visitor (${provinceNameEn(epidemic.name)}, 14 days)`,
      days: 14,
      ok: (s) =>
        plain(s) && a14(s)?.status === 'ok' && a14(s)!.cities.some(inEpidemic) && a14(s)!.countries.length === 0,
    },
  ];
  const cases: DemoCase[] = [];
  for (const w of want) {
    // One epidemic-area visitor: the one the card marks when there is one.
    if (cases.some((c) => c.id === w.id)) continue;
    const s = subs.find(w.ok);
    if (!s) continue;
    const a = w.days === 14 ? a14(s)! : a7(s)!;
    cases.push({
      id: w.id,
      label: w.label,
      msisdn: s.msisdn,
      operator: s.operator,
      expect: `${w.days === 14 ? '14 days: ' : ''}${describe(a, inEpidemic)}`,
    });
  }
  return { cases, epidemicProvince: epidemic };
}
