// What a user texted, reduced to a command: full-width letters, case, spaces
// and stray punctuation do not matter, so `ＣＸＭＹＤ` and `cxmyd ` both query.
export type SmsCommand = 'itinerary' | 'help';

/** The query keyword of the seed (发送短信CXMYD到所属运营商). */
const ITINERARY_KEYWORD = 'CXMYD';

export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFKC') // full-width ＣＸＭＹＤ → CXMYD, ideographic space → space
    .replace(/[\s\u200b-\u200d\ufeff]+/g, '')
    .replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '')
    .toUpperCase();
}

export function parseCommand(text: string): SmsCommand {
  return normaliseKeyword(text) === ITINERARY_KEYWORD ? 'itinerary' : 'help';
}
