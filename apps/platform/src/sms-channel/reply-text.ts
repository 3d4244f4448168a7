// The SMS replies of the CXMYD channel, in Chinese like the original: the same
// content and rules as the web answer (masked number, update time, cities and
// countries, notes, the new-number / no-data / query-failed messages), kept
// within a few concatenated UCS-2 parts by summarising long city lists.
import {
  ERROR_TABLE,
  type ErrorCode,
  formatBeijingDisplay,
  OPERATOR_INFO,
  type Operator,
  parseInstant,
} from '@itinerary-card/domain';
import { UCS2_PART, UCS2_SINGLE } from '@itinerary-card/sms';

const REPLY_PREFIX = '【通信行程卡】';

/** The part of the itinerary answer (API.md) an SMS reply shows. */
export interface SmsItineraryAnswer {
  phone: string;
  updatedAt: string;
  windowDays: number;
  cities: Array<{ province: string; city: string; risk: boolean }>;
  countries: Array<{ name: string }>;
  notes: string[];
}

/** Most characters a reply may take in `maxParts` concatenated UCS-2 parts. */
function replyCapacity(maxParts: number): number {
  return maxParts <= 1 ? UCS2_SINGLE : maxParts * UCS2_PART;
}

/** 江西省南昌市; a municipality (province = city) once: 北京市. */
function placeName(c: { province: string; city: string }): string {
  if (!c.province || c.province === c.city) return c.city;
  return `${c.province}${c.city}`;
}

function updateTime(iso: string): string {
  const ms = parseInstant(iso);
  return Number.isFinite(ms) ? formatBeijingDisplay(ms) : iso;
}

function joinNotes(notes: readonly string[], already = ''): string {
  return notes.filter((n) => n && !already.includes(n)).join('');
}

/**
 * The itinerary reply. When every city and country does not fit in
 * `maxParts`, the list is cut and summarised ("等N个城市") with a pointer to
 * the web page: countries are kept before cities are.
 */
export function itineraryReply(a: SmsItineraryAnswer, maxParts = 4): string {
  const cap = replyCapacity(maxParts);
  const cities = a.cities.map((c) => `${placeName(c)}${c.risk ? '*' : ''}`);
  const countries = a.countries.map((c) => c.name);
  const head = `${REPLY_PREFIX}${a.phone}，更新时间：${updateTime(a.updatedAt)}。您于前${a.windowDays}天内到达或途经：`;
  const notes = joinNotes(a.notes);
  const render = (kCities: number, kCountries: number, withNotes: boolean): string => {
    const shown = [...cities.slice(0, kCities), ...countries.slice(0, kCountries)];
    const cut = kCities < cities.length || kCountries < countries.length;
    let list = shown.length ? shown.join('，') : cut ? '' : '无';
    if (cut) {
      const rest: string[] = [];
      if (cities.length) rest.push(`${cities.length}个城市`);
      if (countries.length) rest.push(`${countries.length}个国家（地区）`);
      list += `${shown.length ? '等' : ''}共${rest.join('和')}（完整行程请在通信行程卡网页或APP查询）`;
    }
    return `${head}${list}。${withNotes ? notes : ''}`;
  };
  const full = render(cities.length, countries.length, true);
  if (full.length <= cap) return full;
  for (let k = cities.length - 1; k >= 0; k--) {
    const t = render(k, countries.length, true);
    if (t.length <= cap) return t;
  }
  for (let k = countries.length - 1; k >= 0; k--) {
    const t = render(0, k, true);
    if (t.length <= cap) return t;
  }
  return clip(render(0, 0, false), cap);
}

/** The reply for an error answer, in the error table's words, with the answer's notes that add something. */
export function errorReply(code: ErrorCode, phone: string, notes: readonly string[] = [], maxParts = 4): string {
  const message = ERROR_TABLE[code].zh;
  return clip(`${REPLY_PREFIX}${phone}：${message}${joinNotes(notes, message)}`, replyCapacity(maxParts));
}

/** The short help reply for an unknown keyword, naming the short code that was texted. */
export function helpReply(shortCode: string): string {
  return `${REPLY_PREFIX}查询本人前7天内到访过的国家（地区）和停留4小时以上的国内城市，请发送CXMYD到${shortCode}。`;
}

/**
 * The reply to CXMYD texted to another operator's code: the subscriber's own operator and its
 * code, as the seed puts it (发送短信CXMYD到所属运营商…进行查询).
 */
export function otherOperatorReply(own: Operator): string {
  const o = OPERATOR_INFO[own];
  return `${REPLY_PREFIX}您的号码属于${o.zh}，请发送短信CXMYD到所属运营商${o.zh}${o.shortCode}进行查询。`;
}

/** Sent once when a number passes its limit; later messages in the window get no reply. */
export function rateLimitedReply(retryAfterMs: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return `${REPLY_PREFIX}${ERROR_TABLE.TOO_MANY_REQUESTS.zh.replace(/稍后再试$/, `${minutes}分钟后再试`)}。`;
}

function clip(text: string, cap: number): string {
  if (text.length <= cap) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(cap - 2)) ? cap - 2 : cap - 1;
  return `${text.slice(0, end)}…`;
}
