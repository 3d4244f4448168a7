// Who lives in the simulated world: number, operator, kind (new, ported, MVNO,
// secondary) and persona of subscriber i, drawn from the seed without keeping
// the population in memory. Shares are exact per block of 100 subscribers, so
// even a small world holds every persona and kind.
import { DAY_MS, HOUR_MS, OPERATORS, type Operator, segmentsOf } from '@itinerary-card/domain';
import { Rng, STREAM } from './rng.ts';

export const PERSONAS = [
  'home',
  'border_resident',
  'commuter',
  'day_tripper',
  'train_traveller',
  'flyer',
  'abroad_roaming',
  'abroad_no_roaming',
  'night_off',
] as const;
export type Persona = (typeof PERSONAS)[number];

/** Slots per block of 100 subscribers. */
const PERSONA_SLOTS: Record<Persona, number> = {
  home: 38,
  border_resident: 10,
  commuter: 10,
  day_tripper: 8,
  train_traveller: 8,
  flyer: 7,
  abroad_roaming: 6,
  abroad_no_roaming: 5,
  night_off: 8,
};

/** Kinds of numbers (the subscriber registry's `kind` plus how the number came to be). */
export type NumberKind = 'normal' | 'new' | 'ported' | 'mvno' | 'secondary';
const KIND_SLOTS: Record<Exclude<NumberKind, 'normal'>, number> = { new: 4, ported: 3, mvno: 4, secondary: 3 };

const OPERATOR_SHARE: Array<[Operator, number]> = [
  ['cmcc', 0.57],
  ['ctcc', 0.23],
  ['cucc', 0.2],
];

export interface Profile {
  index: number;
  msisdn: string;
  /** The operator serving the number today (after porting; the host for an MVNO number). */
  operator: Operator;
  /** The operator before porting (equal to `operator` when never ported). */
  previousOperator: Operator;
  numberKind: NumberKind;
  registryKind: 'normal' | 'mvno' | 'secondary';
  persona: Persona;
  /** Instant the number was opened; no record exists before it. */
  activatedAtMs: number;
  portedAtMs: number | null;
  /** For a secondary number: index of the primary (always index - 1). */
  primaryIndex: number | null;
}

function blockSlots<T extends string>(rng: Rng, slots: Record<string, number>, filler: T): T[] {
  const out: T[] = [];
  for (const [k, n] of Object.entries(slots)) for (let i = 0; i < n; i++) out.push(k as T);
  while (out.length < 100) out.push(filler);
  return rng.shuffle(out);
}

/** MSISDN suffixes are a bijection of the index modulo 10^8, so numbers never collide. */
function suffix(index: number, seed: number): string {
  const v = (index * 73_939_133 + (seed % 100_000_000)) % 100_000_000;
  return String(v).padStart(8, '0');
}

/** Host operator of an MVNO number from its first four digits (1700-1702 Telecom, 1703/5/6 Mobile, others Unicom). */
function mvnoHost(msisdn: string): Operator {
  if (msisdn.startsWith('170')) {
    const d = msisdn[3]!;
    if (d === '0' || d === '1' || d === '2') return 'ctcc';
    if (d === '3' || d === '5' || d === '6') return 'cmcc';
  }
  return 'cucc';
}

function pickOperator(rng: Rng): Operator {
  let x = rng.next();
  for (const [op, share] of OPERATOR_SHARE) {
    x -= share;
    if (x < 0) return op;
  }
  return 'cmcc';
}

/** Draws subscribers in index order; caches the current block of 100. */
export class Population {
  private block = -1;
  private personas: Persona[] = [];
  private kinds: NumberKind[] = [];

  constructor(
    private readonly seed: number,
    /** 00:00 Beijing of the first simulated day. */
    private readonly startMs: number,
    /** The natural query day's 00:00 (end of the last simulated day). */
    private readonly endMs: number,
  ) {}

  private slots(index: number): { persona: Persona; kind: NumberKind } {
    const b = Math.floor(index / 100);
    if (b !== this.block) {
      const rng = new Rng(this.seed, STREAM.block, b);
      this.personas = blockSlots<Persona>(rng, PERSONA_SLOTS, 'home');
      this.kinds = blockSlots<NumberKind>(rng, KIND_SLOTS, 'normal');
      this.block = b;
    }
    return { persona: this.personas[index % 100]!, kind: this.kinds[index % 100]! };
  }

  private kindOf(index: number): NumberKind {
    const k = this.slots(index).kind;
    if (k !== 'secondary') return k;
    // A secondary number rides on the previous subscriber's SIM, which must be a primary.
    if (index === 0 || this.slots(index - 1).kind === 'secondary') return 'normal';
    return 'secondary';
  }

  profile(index: number): Profile {
    const numberKind = this.kindOf(index);
    const { persona: ownPersona } = this.slots(index);
    const primaryPersona = numberKind === 'secondary' ? this.slots(index - 1).persona : ownPersona;
    const rng = new Rng(this.seed, STREAM.profile, index);
    // One card, several numbers (一卡多号) is a service of the SIM's own operator: a secondary number
    // belongs to its primary's (current) operator, whose node holds the primary's signaling.
    let operator = numberKind === 'secondary' ? this.profile(index - 1).operator : pickOperator(rng);
    let previousOperator = operator;
    let prefix: string;
    if (numberKind === 'mvno') {
      prefix = rng.chance(0.7) ? '170' : '171';
    } else if (numberKind === 'ported') {
      previousOperator = rng.pick(OPERATORS.filter((o) => o !== operator));
      prefix = rng.pick(segmentsOf(previousOperator));
    } else {
      prefix = rng.pick(segmentsOf(operator));
    }
    const msisdn = prefix + suffix(index, this.seed);
    if (numberKind === 'mvno') {
      operator = mvnoHost(msisdn);
      previousOperator = operator;
    }
    const days = Math.round((this.endMs - this.startMs) / DAY_MS);
    let activatedAtMs: number;
    if (numberKind === 'new') {
      // Opened 1-8 days before the natural query day: most are "new", a few just old enough.
      const back = 1 + rng.int(Math.min(8, days));
      activatedAtMs = this.endMs - back * DAY_MS + Math.round(rng.range(9, 20) * 4) * (HOUR_MS / 4);
    } else {
      activatedAtMs = this.startMs - (30 + rng.int(3000)) * DAY_MS + 10 * HOUR_MS;
    }
    let portedAtMs: number | null = null;
    if (numberKind === 'ported') {
      const back = 1 + rng.int(40);
      // Porting takes effect at 00:00 of a day, at least a day after the number was opened.
      portedAtMs = Math.max(
        this.endMs - back * DAY_MS,
        this.endMs - Math.floor((this.endMs - activatedAtMs) / DAY_MS - 1) * DAY_MS,
      );
    }
    const registryKind = numberKind === 'mvno' ? 'mvno' : numberKind === 'secondary' ? 'secondary' : 'normal';
    return {
      index,
      msisdn,
      operator,
      previousOperator,
      numberKind,
      registryKind,
      persona: primaryPersona,
      activatedAtMs,
      portedAtMs,
      primaryIndex: numberKind === 'secondary' ? index - 1 : null,
    };
  }
}
