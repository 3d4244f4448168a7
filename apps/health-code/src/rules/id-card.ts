// GB 11643-1999 resident ID numbers (居民身份证号码): 6-digit region, birth date,
// sequence, and the ISO 7064 MOD 11-2 check character. Also the masked forms people see.
import { provinceName } from '@itinerary-card/domain';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
// Residence permits of Hong Kong, Macau and Taiwan residents use 81, 82 and 83.
const PERMIT_PREFIXES = new Set(['81', '82', '83']);

export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export type IdCheck =
  | { ok: true; id: string; birthDate: string }
  | { ok: false; reason: 'format' | 'region' | 'birth' | 'check' };

/** Validates an 18-character ID number; `today` (YYYY-MM-DD) bounds the birth date. */
export function checkIdNumber(input: unknown, today: string): IdCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'format' };
  const id = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: 'format' };
  const prov = id.slice(0, 2);
  if (!PERMIT_PREFIXES.has(prov) && !provinceName(prov)) return { ok: false, reason: 'region' };
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const d = new Date(`${birth}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birth || birth < '1890-01-01' || birth > today) {
    return { ok: false, reason: 'birth' };
  }
  if (idCheckChar(id) !== id[17]) return { ok: false, reason: 'check' };
  return { ok: true, id, birthDate: birth };
}

/** 360102199001011234 → 3601**********1234 */
export function maskIdNumber(id: string): string {
  return `${id.slice(0, 4)}${'*'.repeat(Math.max(0, id.length - 8))}${id.slice(-4)}`;
}

/** 王小明 → **明, 张三 → *三: staff see only the last character. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return '*'.repeat(chars.length - 1) + chars[chars.length - 1];
}

/** A person's name as typed: 1-30 characters, letters (any script), middle dot, spaces. */
export function checkName(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const name = input.trim().replace(/\s+/g, ' ');
  if (name.length < 1 || [...name].length > 30) return undefined;
  if (!/^[\p{L}][\p{L}·• .'-]*$/u.test(name)) return undefined;
  return name;
}
