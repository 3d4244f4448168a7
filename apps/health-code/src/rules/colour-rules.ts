// Health-code colours from documented, configurable rules. Red for a sojourn in an
// epidemic area and for the office's decision is fixed; which other facts give
// yellow or red is the city's choice (HC_COLOUR_RULES). Pure: the caller supplies
// the facts, already evaluated at the current time.
export type Colour = 'green' | 'yellow' | 'red';
export type Condition =
  | 'epidemicSojourn'
  | 'officeRed'
  | 'officeYellow'
  | 'symptoms'
  | 'closeContact'
  | 'itineraryUnverified';
const CONDITIONS: readonly Condition[] = [
  'epidemicSojourn',
  'officeRed',
  'officeYellow',
  'symptoms',
  'closeContact',
  'itineraryUnverified',
];

export interface ColourRule {
  when: Condition;
  colour: 'yellow' | 'red';
}

/**
 * Nanchang-style defaults: sojourn and the office's red decision give red; symptoms, contact, the office's
 * yellow decision give yellow. A skipped itinerary check (itineraryUnverified) gives no colour by default:
 * authorising is the holder's choice in the seed, and the code shows 行程未核验 instead; a city may map it
 * to yellow or red.
 */
export const DEFAULT_COLOUR_RULES: readonly ColourRule[] = [
  { when: 'epidemicSojourn', colour: 'red' },
  { when: 'officeRed', colour: 'red' },
  { when: 'closeContact', colour: 'yellow' },
  { when: 'symptoms', colour: 'yellow' },
  { when: 'officeYellow', colour: 'yellow' },
];

/** Validates a city's rule list; the two fixed red rules are always added. */
export function parseColourRules(input: unknown): ColourRule[] | string {
  if (!Array.isArray(input)) return 'must be a JSON array of {when, colour}';
  const out: ColourRule[] = [];
  for (const r of input) {
    const when = (r as { when?: unknown })?.when;
    const colour = (r as { colour?: unknown })?.colour;
    if (typeof when !== 'string' || !CONDITIONS.includes(when as Condition)) return `unknown condition ${String(when)}`;
    if (colour !== 'yellow' && colour !== 'red') return `colour must be yellow or red (rule ${when})`;
    if ((when === 'epidemicSojourn' || when === 'officeRed') && colour !== 'red') return `${when} is always red`;
    out.push({ when: when as Condition, colour });
  }
  for (const when of ['epidemicSojourn', 'officeRed'] as const) {
    if (!out.some((r) => r.when === when)) out.unshift({ when, colour: 'red' });
  }
  return out;
}

export interface Facts {
  /** Declared by hand on the form. */
  declaredSojourn: boolean;
  /** Places of the last authorised itinerary inside listed areas (empty: none). */
  itineraryHits: Array<{ areaName: string; place: string }>;
  symptoms: boolean;
  closeContact: boolean;
  office: { colour: 'red' | 'yellow'; reason: string } | null;
  /** No authorised itinerary check backs the answers (skipped, unavailable, or older than its evidence). */
  itineraryUnverified?: boolean;
}

export interface Reason {
  condition: Condition | 'none';
  zh: string;
  en: string;
}

export interface Verdict {
  colour: Colour;
  reasons: Reason[];
}

function holds(c: Condition, f: Facts): boolean {
  switch (c) {
    case 'epidemicSojourn':
      return f.declaredSojourn || f.itineraryHits.length > 0;
    case 'officeRed':
      return f.office?.colour === 'red';
    case 'officeYellow':
      return f.office?.colour === 'yellow';
    case 'symptoms':
      return f.symptoms;
    case 'closeContact':
      return f.closeContact;
    case 'itineraryUnverified':
      return f.itineraryUnverified === true;
  }
}

function reasonOf(c: Condition, f: Facts): Reason {
  switch (c) {
    case 'epidemicSojourn': {
      if (f.itineraryHits.length > 0) {
        const places = [...new Set(f.itineraryHits.map((h) => h.place))].join('、');
        return {
          condition: c,
          zh: `行程查询显示14天内到访疫区：${places}`,
          en: `The itinerary shows a stay in an epidemic area within 14 days: ${places}`,
        };
      }
      return {
        condition: c,
        zh: '本人申报14天内有疫区旅居史',
        en: 'Declared a stay in an epidemic area within 14 days',
      };
    }
    case 'officeRed':
    case 'officeYellow':
      return {
        condition: c,
        zh: `防疫指挥部判定：${f.office?.reason ?? ''}`,
        en: `Decision of the epidemic-prevention office: ${f.office?.reason ?? ''}`,
      };
    case 'symptoms':
      return { condition: c, zh: '申报有发热、咳嗽等症状', en: 'Declared fever, cough or similar symptoms' };
    case 'closeContact':
      return {
        condition: c,
        zh: '申报与确诊或疑似病例有接触史',
        en: 'Declared contact with a confirmed or suspected case',
      };
    case 'itineraryUnverified':
      return {
        condition: c,
        zh: '未授权查询通信行程（行程未核验）',
        en: 'The itinerary check was not authorised (itinerary not verified)',
      };
  }
}

const RANK: Record<Colour, number> = { green: 0, yellow: 1, red: 2 };

/** The colour is the most severe colour of the rules that hold; every rule that holds is a reason. */
export function evaluateColour(facts: Facts, rules: readonly ColourRule[]): Verdict {
  let colour: Colour = 'green';
  const reasons: Reason[] = [];
  for (const r of rules) {
    if (!holds(r.when, facts)) continue;
    if (RANK[r.colour] > RANK[colour]) colour = r.colour;
    reasons.push(reasonOf(r.when, facts));
  }
  if (reasons.length === 0) reasons.push({ condition: 'none', zh: '未发现异常情况', en: 'Nothing found' });
  return { colour, reasons };
}
