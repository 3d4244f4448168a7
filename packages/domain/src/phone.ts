// Mobile numbers: validation of mainland numbers, the masked form people see,
// and the operator a number segment was issued to (before any porting).
export type Operator = 'cmcc' | 'cucc' | 'ctcc';
export const OPERATORS: readonly Operator[] = ['cmcc', 'cucc', 'ctcc'];

export const OPERATOR_INFO: Record<Operator, { zh: string; en: string; shortCode: string }> = {
  cmcc: { zh: '中国移动', en: 'China Mobile', shortCode: '10086' },
  cucc: { zh: '中国联通', en: 'China Unicom', shortCode: '10010' },
  ctcc: { zh: '中国电信', en: 'China Telecom', shortCode: '10000' },
};

export function isOperator(s: string): s is Operator {
  return s === 'cmcc' || s === 'cucc' || s === 'ctcc';
}

// Number segments (号段) of the three operators; 170/171/162/165/167 are MVNO
// segments carried on a host network.
const SEGMENTS: Record<Operator, string[]> = {
  cmcc: [
    '134',
    '135',
    '136',
    '137',
    '138',
    '139',
    '147',
    '148',
    '150',
    '151',
    '152',
    '157',
    '158',
    '159',
    '172',
    '178',
    '182',
    '183',
    '184',
    '187',
    '188',
    '195',
    '197',
    '198',
  ],
  cucc: ['130', '131', '132', '145', '146', '155', '156', '166', '175', '176', '185', '186', '196'],
  ctcc: ['133', '149', '153', '173', '174', '177', '180', '181', '189', '190', '191', '193', '199'],
};
const MVNO_SEGMENTS = ['170', '171', '162', '165', '167'];

const SEGMENT_OPERATOR = new Map<string, Operator>();
for (const op of OPERATORS) for (const s of SEGMENTS[op]) SEGMENT_OPERATOR.set(s, op);

export function segmentsOf(op: Operator): readonly string[] {
  return SEGMENTS[op];
}

/** The operator that issued the number's segment; undefined for MVNO and unknown segments. */
export function segmentOperator(msisdn: string): Operator | undefined {
  return SEGMENT_OPERATOR.get(msisdn.slice(0, 3));
}

export function isMvnoSegment(msisdn: string): boolean {
  return MVNO_SEGMENTS.includes(msisdn.slice(0, 3));
}

export const MSISDN_RE = /^1[3-9]\d{9}$/;

export type PhoneCheck = { ok: true; msisdn: string } | { ok: false; reason: 'invalid' | 'overseas' };

/**
 * Normalises what a person typed (spaces, dashes, +86/0086 prefix, full-width
 * digits) and says whether it is a mainland mobile number.
 */
export function checkPhone(input: unknown): PhoneCheck {
  if (typeof input !== 'string' && typeof input !== 'number') return { ok: false, reason: 'invalid' };
  let s = String(input)
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\uFF0B/g, '+')
    .replace(/[\s\-()]/g, '');
  if (s.length > 20) return { ok: false, reason: 'invalid' };
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  else if (s.startsWith('+') || s.startsWith('00')) {
    return /^(\+|00)\d{6,15}$/.test(s) ? { ok: false, reason: 'overseas' } : { ok: false, reason: 'invalid' };
  }
  if (MSISDN_RE.test(s)) return { ok: true, msisdn: s };
  // Hong Kong / Macau (8 digits starting 5,6,9) and Taiwan (09xxxxxxxx) mobiles typed without a prefix.
  if (/^[569]\d{7}$/.test(s) || /^09\d{8}$/.test(s) || /^(852|853|886)\d{8,9}$/.test(s)) {
    return { ok: false, reason: 'overseas' };
  }
  return { ok: false, reason: 'invalid' };
}

/** 13800000001 → 138****0001, the only form of a number a person is shown. */
export function maskPhone(msisdn: string): string {
  if (msisdn.length < 7) return '*'.repeat(msisdn.length);
  return `${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`;
}
